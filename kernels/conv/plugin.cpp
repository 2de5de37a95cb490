// libgpucert-conv.so: the conv workload (cuDNN convolution: forward, backward_data, backward_filter) behind the
// plugin ABI of common/plugin_abi.h.
//
// API choice: cuDNN's graph API through cudnn-frontend (header-only, vendored in
// third_party/cudnn_frontend, 3 MB), not the legacy cudnnConvolutionForward and not raw cudnnBackend*
// descriptors. The legacy API is deprecated in cuDNN 9 and its algorithm enum no longer reaches all of
// cuDNN 9's engines (the runtime-compiled and newest Hopper kernels are graph-API engines), so it could
// lose to PyTorch, which uses the graph API. The frontend builds exactly the backend descriptors we would
// write by hand (a few hundred lines of attribute plumbing), exposes heuristics modes A and fallback, the
// numerical notes that separate true fp32 from TF32 engines, and per-plan execution for our own
// autotuning. Being header-only, it costs no run-time dependency: the plugin links libcudnn only.
#include <string>

#include <cudnn.h>

#include "common/plugin_abi.h"
#include "common/plugin_glue.hpp"
#include "conv.hpp"
#include "conv_graph.hpp"
#include "cudnn_check.hpp"

namespace {

char* describe() {
  using namespace gpucert::kernels::conv;
  const nlohmann::json description{
      {"library", "cuDNN"},
      {"version", cudnn_version_text(cudnnGetVersion())},
      {"built_with", cudnn_version_text(CUDNN_VERSION)},
      {"api", "graph (cudnn-frontend " + cudnn_frontend_version() + ")"},
  };
  return gpucert::kernels::copy_for_abi(description.dump());
}

char* run(const char* request_json) {
  return gpucert::kernels::run_json(request_json, gpucert::kernels::conv::run_conv);
}

void release(char* text) { gpucert::kernels::release_for_abi(text); }

const char* const kWorkloads[] = {"conv", nullptr};

const gpucert_plugin_v1 kPlugin{GPUCERT_PLUGIN_ABI_VERSION, "conv", kWorkloads, describe, run, release};

}  // namespace

extern "C" __attribute__((visibility("default"))) const gpucert_plugin_v1* gpucert_plugin_entry_v1() {
  return &kPlugin;
}

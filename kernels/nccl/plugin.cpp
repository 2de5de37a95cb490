// libgpucert-nccl.so: the nccl workload behind the plugin ABI of common/plugin_abi.h, with the optional
// control entry for the rendezvous. Loading it is the test that the environment has NCCL: the dynamic
// loader resolves libnccl.so.2 before this code runs.
#include <string>

#include <cuda_runtime_api.h>
#include <nccl.h>
#include <nlohmann/json.hpp>

#include "common/plugin_abi.h"
#include "common/plugin_glue.hpp"
#include "control.hpp"
#include "nccl_run.hpp"

namespace {

std::string version_text(int v) {
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

// Versions only: describe runs when the worker loads the plugin, before any device is chosen, and must not
// create a CUDA context (ncclGetVersion does not).
char* describe() {
  try {
    int version = 0;
    const bool known = ncclGetVersion(&version) == ncclSuccess;
    const nlohmann::json j = {
        {"library", "NCCL"},
        {"version", known ? version_text(version) : "unknown"},
        {"built_with", version_text(NCCL_VERSION_CODE)},
    };
    return gpucert::kernels::copy_for_abi(j.dump());
  } catch (...) {
    return gpucert::kernels::copy_for_abi(R"({"library":"NCCL","version":"unknown"})");
  }
}

char* run(const char* request_json) {
  return gpucert::kernels::run_json(request_json, gpucert::kernels::nccl::run_nccl);
}

const char* const kWorkloads[] = {"nccl", nullptr};

const gpucert_plugin_v1 kPlugin{GPUCERT_PLUGIN_ABI_VERSION,       "nccl", kWorkloads, describe, run,
                                gpucert::kernels::release_for_abi};

}  // namespace

extern "C" __attribute__((visibility("default"))) const gpucert_plugin_v1* gpucert_plugin_entry_v1() {
  return &kPlugin;
}

extern "C" __attribute__((visibility("default"))) char* gpucert_plugin_control_v1(const char* request_json) {
  return gpucert::kernels::copy_for_abi(gpucert::kernels::nccl::control(request_json));
}

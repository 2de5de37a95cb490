// libgpucert-gemm.so: the plugin ABI (common/plugin_abi.h) around run_gemm. Loading it is the test that
// the environment has cuBLASLt: the dynamic loader resolves libcublasLt.so before this code runs.
#include <string>

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <nlohmann/json.hpp>

#include "common/plugin_abi.h"
#include "common/plugin_glue.hpp"
#include "gemm.hpp"

namespace {

// cuBLASLt numbers versions major·10000 + minor·100 + patch; the CUDA runtime major·1000 + minor·10.
std::string library_version(std::size_t v) {
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

std::string cuda_version(long v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

// Versions only: describe runs when the worker loads the plugin, before any device is chosen, and must not
// create a CUDA context.
char* describe() {
  try {
    int runtime = 0;
    const bool runtime_known = cudaRuntimeGetVersion(&runtime) == cudaSuccess;
    const nlohmann::json j = {
        {"library", "cuBLASLt"},
        {"version", library_version(cublasLtGetVersion())},
        {"built_with", library_version(CUBLAS_VERSION)},
        {"cudart", runtime_known ? cuda_version(runtime) : "unknown"},
        {"cublaslt_cudart", cuda_version(static_cast<long>(cublasLtGetCudartVersion()))},
    };
    return gpucert::kernels::copy_for_abi(j.dump());
  } catch (...) {
    return gpucert::kernels::copy_for_abi(R"({"library":"cuBLASLt","version":"unknown"})");
  }
}

char* run(const char* request_json) { return gpucert::kernels::run_json(request_json, gpucert::kernels::run_gemm); }

const char* const kWorkloads[] = {"gemm", nullptr};

const gpucert_plugin_v1 kPlugin{GPUCERT_PLUGIN_ABI_VERSION,       "gemm", kWorkloads, describe, run,
                                gpucert::kernels::release_for_abi};

}  // namespace

extern "C" __attribute__((visibility("default"))) const gpucert_plugin_v1* gpucert_plugin_entry_v1() {
  return &kPlugin;
}

#include "nccl_check.hpp"

#include "common/source_path.hpp"

namespace gpucert::kernels::nccl {

std::string describe_failure(ncclResult_t result, const char* call, ncclComm_t comm) {
  std::string text =
      std::string(call) + ": " + ncclGetErrorString(result) + " (" + std::to_string(static_cast<int>(result)) + ")";
  // NCCL keeps the detail (the failing CUDA call, the unreachable peer) in its last error, per thread.
  if (const char* last = ncclGetLastError(comm); last && *last) text += ": " + std::string(last);
  return text;
}

NcclFailure::NcclFailure(ncclResult_t result, const char* call, ncclComm_t comm, const char* file, int line)
    : std::runtime_error(describe_failure(result, call, comm) + " at " + source_path(file) + ":" +
                         std::to_string(line)) {}

}  // namespace gpucert::kernels::nccl

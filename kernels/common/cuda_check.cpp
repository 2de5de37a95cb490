#include "cuda_check.hpp"

#include "common/source_path.hpp"

namespace gpucert::kernels {

CudaFailure::CudaFailure(cudaError_t code, const char* call, const char* file, int line)
    : std::runtime_error(std::string(cudaGetErrorName(code)) + " (" + std::to_string(static_cast<int>(code)) +
                         "): " + cudaGetErrorString(code) + " in " + call + " at " + source_path(file) + ":" +
                         std::to_string(line)),
      code_(code) {
  // A failed call also leaves its error as the thread's "last error"; clear it, or the next launch check
  // of an unrelated measurement would report this one's failure (sticky errors stay regardless).
  cudaGetLastError();
}

}  // namespace gpucert::kernels

#include "cuda_check.hpp"

namespace gpucert::kernels {
namespace {
std::string short_path(const char* file) {
  std::string path = file;
  if (auto pos = path.rfind("/kernels/"); pos != std::string::npos) return path.substr(pos + 1);
  return path;
}
}  // namespace

CudaFailure::CudaFailure(cudaError_t code, const char* call, const char* file, int line)
    : std::runtime_error(std::string(cudaGetErrorName(code)) + " (" + std::to_string(static_cast<int>(code)) +
                         "): " + cudaGetErrorString(code) + " in " + call + " at " + short_path(file) + ":" +
                         std::to_string(line)),
      code_(code) {
  // A failed call also leaves its error as the thread's "last error"; clear it, or the next launch check
  // of an unrelated measurement would report this one's failure (sticky errors stay regardless).
  cudaGetLastError();
}

}  // namespace gpucert::kernels

#include "cublaslt.hpp"

#include <string>

namespace gpucert::kernels {
namespace {

// "kernels/gemm/matmul.cpp" rather than the build machine's absolute path.
std::string short_path(const char* file) {
  std::string path = file;
  if (auto pos = path.rfind("/kernels/"); pos != std::string::npos) return path.substr(pos + 1);
  return path;
}

}  // namespace

CublasFailure::CublasFailure(cublasStatus_t status, const char* call, const char* file, int line)
    : std::runtime_error(std::string(cublasLtGetStatusName(status)) + " (" +
                         std::to_string(static_cast<int>(status)) + "): " + cublasLtGetStatusString(status) +
                         " in " + call + " at " + short_path(file) + ":" + std::to_string(line)),
      status_(status) {}

}  // namespace gpucert::kernels

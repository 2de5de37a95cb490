#include "cublaslt.hpp"

#include <string>

#include "common/source_path.hpp"

namespace gpucert::kernels {

CublasFailure::CublasFailure(cublasStatus_t status, const char* call, const char* file, int line)
    : std::runtime_error(std::string(cublasLtGetStatusName(status)) + " (" + std::to_string(static_cast<int>(status)) +
                         "): " + cublasLtGetStatusString(status) + " in " + call + " at " + source_path(file) + ":" +
                         std::to_string(line)),
      status_(status) {}

}  // namespace gpucert::kernels

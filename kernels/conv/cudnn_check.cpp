#include "cudnn_check.hpp"

#include "common/source_path.hpp"

namespace gpucert::kernels::conv {

CudnnFailure::CudnnFailure(cudnnStatus_t status, const char* call, const char* file, int line)
    : std::runtime_error(std::string(cudnnGetErrorString(status)) + " (" + std::to_string(static_cast<int>(status)) +
                         ") in " + call + " at " + source_path(file) + ":" + std::to_string(line)),
      status_(status) {}

CudnnHandle::CudnnHandle(cudaStream_t stream) {
  GPUCERT_CUDNN_TRY(cudnnCreate(&handle_));
  try {
    GPUCERT_CUDNN_TRY(cudnnSetStream(handle_, stream));
  } catch (...) {
    cudnnDestroy(handle_);
    throw;
  }
}

CudnnHandle::~CudnnHandle() { cudnnDestroy(handle_); }

std::string cudnn_version_text(std::size_t version) {
  // cuDNN 9 numbers versions major*10000 + minor*100 + patch (cuDNN 8 used major*1000 + minor*100 + patch).
  const std::size_t major = version >= 90000 ? version / 10000 : version / 1000;
  const std::size_t minor = version >= 90000 ? (version % 10000) / 100 : (version % 1000) / 100;
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(version % 100);
}

}  // namespace gpucert::kernels::conv

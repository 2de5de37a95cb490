// cuDNN status codes become exceptions naming the call, cudnnGetErrorString's text and the source line,
// like GPUCERT_CUDA_TRY for CUDA; the plugin boundary turns them into an "error" reply.
#pragma once

#include <stdexcept>
#include <string>

#include <cudnn.h>

namespace gpucert::kernels::conv {

class CudnnFailure : public std::runtime_error {
 public:
  CudnnFailure(cudnnStatus_t status, const char* call, const char* file, int line);
  [[nodiscard]] cudnnStatus_t status() const { return status_; }

 private:
  cudnnStatus_t status_;
};

// One cuDNN handle bound to one stream, for the life of one run.
class CudnnHandle {
 public:
  explicit CudnnHandle(cudaStream_t stream);
  ~CudnnHandle();
  CudnnHandle(const CudnnHandle&) = delete;
  CudnnHandle& operator=(const CudnnHandle&) = delete;
  [[nodiscard]] cudnnHandle_t get() const { return handle_; }

 private:
  cudnnHandle_t handle_{};
};

// "9.14.0" from cudnnGetVersion() (the library loaded) or CUDNN_VERSION (the headers compiled against).
std::string cudnn_version_text(std::size_t version);

}  // namespace gpucert::kernels::conv

#define GPUCERT_CUDNN_TRY(call)                                                                       \
  do {                                                                                                \
    const cudnnStatus_t gpucert_cudnn_status_ = (call);                                               \
    if (gpucert_cudnn_status_ != CUDNN_STATUS_SUCCESS)                                                \
      throw ::gpucert::kernels::conv::CudnnFailure(gpucert_cudnn_status_, #call, __FILE__, __LINE__); \
  } while (0)

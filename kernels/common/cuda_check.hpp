// CUDA errors inside kernels/ become exceptions carrying the call, the error's name and number and the
// source line; the boundary (worker dispatch, plugin entry) turns them into an "error" run reply.
#pragma once

#include <stdexcept>
#include <string>

#include <cuda_runtime_api.h>

namespace gpucert::kernels {

class CudaFailure : public std::runtime_error {
 public:
  CudaFailure(cudaError_t code, const char* call, const char* file, int line);
  cudaError_t code() const { return code_; }

 private:
  cudaError_t code_;
};

}  // namespace gpucert::kernels

#define GPUCERT_CUDA_TRY(call)                                                           \
  do {                                                                                   \
    const cudaError_t gpucert_status_ = (call);                                          \
    if (gpucert_status_ != cudaSuccess)                                                  \
      throw ::gpucert::kernels::CudaFailure(gpucert_status_, #call, __FILE__, __LINE__); \
  } while (0)

// After a kernel launch: launch errors now, execution errors at the next synchronisation.
#define GPUCERT_CUDA_CHECK_LAUNCH() GPUCERT_CUDA_TRY(cudaGetLastError())

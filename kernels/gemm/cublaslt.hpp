// cuBLASLt status errors as exceptions (the status name, the call and the source line, like CudaFailure),
// and owning handles for its descriptors so that every exit path frees them.
#pragma once

#include <memory>
#include <stdexcept>
#include <type_traits>

#include <cublasLt.h>

namespace gpucert::kernels {

class CublasFailure : public std::runtime_error {
 public:
  CublasFailure(cublasStatus_t status, const char* call, const char* file, int line);
  [[nodiscard]] cublasStatus_t status() const { return status_; }

 private:
  cublasStatus_t status_;
};

// One owning pointer type per descriptor kind: Owned<cublasLtMatmulDesc_t> frees with its Destroy call.
template <typename Handle>
struct Destroyer;
template <>
struct Destroyer<cublasLtHandle_t> {
  void operator()(cublasLtHandle_t h) const { cublasLtDestroy(h); }
};
template <>
struct Destroyer<cublasLtMatmulDesc_t> {
  void operator()(cublasLtMatmulDesc_t d) const { cublasLtMatmulDescDestroy(d); }
};
template <>
struct Destroyer<cublasLtMatrixLayout_t> {
  void operator()(cublasLtMatrixLayout_t l) const { cublasLtMatrixLayoutDestroy(l); }
};
template <>
struct Destroyer<cublasLtMatmulPreference_t> {
  void operator()(cublasLtMatmulPreference_t p) const { cublasLtMatmulPreferenceDestroy(p); }
};

template <typename Handle>
using Owned = std::unique_ptr<std::remove_pointer_t<Handle>, Destroyer<Handle>>;

}  // namespace gpucert::kernels

#define GPUCERT_CUBLAS_TRY(call)                                                                  \
  do {                                                                                            \
    const cublasStatus_t gpucert_cublas_status_ = (call);                                         \
    if (gpucert_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                          \
      throw ::gpucert::kernels::CublasFailure(gpucert_cublas_status_, #call, __FILE__, __LINE__); \
  } while (0)

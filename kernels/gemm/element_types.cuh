// The C++ element type behind each cudaDataType_t the gemm workload uses, and the conversions the
// reference needs. Device code only (nvcc).
#pragma once

#include <stdexcept>
#include <string>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <library_types.h>

namespace gpucert::kernels {

template <typename T>
struct Tag {
  using type = T;
};

// Calls f(Tag<T>{}) with T the element type of `type`.
template <typename F>
void with_element_type(cudaDataType_t type, F&& f) {
  switch (type) {
    case CUDA_R_64F:
      f(Tag<double>{});
      break;
    case CUDA_R_32F:
      f(Tag<float>{});
      break;
    case CUDA_R_16F:
      f(Tag<__half>{});
      break;
    case CUDA_R_16BF:
      f(Tag<__nv_bfloat16>{});
      break;
    case CUDA_R_8F_E4M3:
      f(Tag<__nv_fp8_e4m3>{});
      break;
    default:
      throw std::invalid_argument("gemm: unsupported element type " + std::to_string(static_cast<int>(type)));
  }
}

// Exact: every value of these types is a double.
__device__ inline double to_double(double x) { return x; }
__device__ inline double to_double(float x) { return x; }
__device__ inline double to_double(__half x) { return __half2float(x); }
__device__ inline double to_double(__nv_bfloat16 x) { return __bfloat162float(x); }
__device__ inline double to_double(__nv_fp8_e4m3 x) { return static_cast<float>(x); }

}  // namespace gpucert::kernels

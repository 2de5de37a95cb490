// The independent check of cuBLASLt's result: plain CUDA kernels, no tensor cores, no library.
//   reference_kernel: one thread per checked element (i, j) computes sum_p op(A)(i,p)·B(p,j) in fp64 from
//     the very inputs cuBLASLt read (fp16, bf16 or e4m3 values are exact in double), so the only
//     differences left are cuBLASLt's accumulation and output rounding.
//   compare_kernel: per block, the squared error and the NaN/inf count at the checked elements.
//   nonfinite_kernel: NaN/inf over the whole output; the poison is NaN, so an element cuBLASLt did not
//     write is caught even where the sample does not look.
#pragma once

#include <cstddef>
#include <cstdint>

#include "element_types.cuh"

namespace gpucert::kernels {

constexpr int kCheckThreads = 256;

template <typename T>
struct TypedView {
  const T* data;
  std::uint64_t row_stride, col_stride;
  __device__ T at(std::uint64_t i, std::uint64_t j) const { return data[i * row_stride + j * col_stride]; }
};

struct CheckPartial {
  double squared_error;
  unsigned long long nonfinite;
};

template <typename T>
__global__ void __launch_bounds__(kCheckThreads)
    reference_kernel(TypedView<T> a, TypedView<T> b, std::uint64_t k, const std::uint64_t* rows,
                     const std::uint64_t* cols, std::uint64_t row_count, std::uint64_t col_count, double* out) {
  const std::uint64_t t = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x;
  if (t >= row_count * col_count) return;
  const std::uint64_t i = rows[t / col_count], j = cols[t % col_count];
  double sum = 0;
  for (std::uint64_t p = 0; p < k; ++p) sum = fma(to_double(a.at(i, p)), to_double(b.at(p, j)), sum);
  out[t] = sum;
}

template <typename T>
__global__ void __launch_bounds__(kCheckThreads)
    compare_kernel(const T* d, std::uint64_t ld, const std::uint64_t* rows, const std::uint64_t* cols,
                   std::uint64_t row_count, std::uint64_t col_count, const double* reference, CheckPartial* partial) {
  const std::uint64_t t = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x;
  double squared = 0;
  unsigned long long bad = 0;
  if (t < row_count * col_count) {
    const double value = to_double(d[rows[t / col_count] + cols[t % col_count] * ld]);
    if (isfinite(value)) {
      const double diff = value - reference[t];
      squared = diff * diff;
    } else {
      bad = 1;
    }
  }
  __shared__ double shared_squared[kCheckThreads];
  __shared__ unsigned long long shared_bad[kCheckThreads];
  shared_squared[threadIdx.x] = squared;
  shared_bad[threadIdx.x] = bad;
  __syncthreads();
  for (unsigned offset = kCheckThreads / 2; offset > 0; offset /= 2) {
    if (threadIdx.x < offset) {
      shared_squared[threadIdx.x] += shared_squared[threadIdx.x + offset];
      shared_bad[threadIdx.x] += shared_bad[threadIdx.x + offset];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[blockIdx.x] = {shared_squared[0], shared_bad[0]};
}

template <typename T>
__global__ void __launch_bounds__(kCheckThreads)
    nonfinite_kernel(const T* d, std::size_t n, unsigned long long* count) {
  unsigned long long bad = 0;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    bad += isfinite(to_double(d[i])) ? 0 : 1;
  for (int offset = 16; offset > 0; offset /= 2) bad += __shfl_down_sync(0xFFFFFFFFu, bad, offset);
  if ((threadIdx.x & 31) == 0 && bad) atomicAdd(count, bad);
}

}  // namespace gpucert::kernels

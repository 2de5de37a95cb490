// Seeded pseudo-random data on the device, a pure function of (seed, index): the same seed gives the same
// array on every GPU and every run, and a reference can recompute any element without reading the array.
// Never time zeros: they hide unwritten outputs and can run faster than real data.
#pragma once

#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

#include "cuda_check.hpp"

namespace gpucert::kernels {

// splitmix64 (Steele, Lea, Flood 2014): a bijective mixer, good enough to decorrelate neighbours.
__host__ __device__ inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Uniform in [0, 1) with 53 random bits.
__host__ __device__ inline double uniform01(std::uint64_t seed, std::uint64_t index) {
  return static_cast<double>(splitmix64(seed ^ splitmix64(index)) >> 11) * 0x1.0p-53;
}

// lo + (hi - lo) * u for element `index`, rounded to T by T's conversion from float or double.
template <typename T>
__host__ __device__ inline T uniform_value(std::uint64_t seed, std::uint64_t index, double lo, double hi) {
  return static_cast<T>(lo + (hi - lo) * uniform01(seed, index));
}

template <typename T>
__global__ void fill_uniform_kernel(T* out, std::size_t n, std::uint64_t seed, double lo, double hi) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    out[i] = uniform_value<T>(seed, i, lo, hi);
}

template <typename T>
void fill_uniform(T* out, std::size_t n, std::uint64_t seed, double lo, double hi, cudaStream_t stream) {
  fill_uniform_kernel<T><<<1024, 256, 0, stream>>>(out, n, seed, lo, hi);
  GPUCERT_CUDA_CHECK_LAUNCH();
}

// Poison an output before each run: all-ones bytes are NaN in fp64, fp32, fp16, bf16 and fp8 (e4m3), and
// -1 in integers, so an element the kernel did not write fails verification.
inline void poison(void* out, std::size_t bytes, cudaStream_t stream) {
  GPUCERT_CUDA_TRY(cudaMemsetAsync(out, 0xFF, bytes, stream));
}

}  // namespace gpucert::kernels

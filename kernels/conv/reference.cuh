// The conv workload's reference and checks, on the device:
//  - reference_kernel: the direction's sum (reference_terms.hpp: a direct convolution, or its adjoint in x or in
//    w) in fp64 from the very inputs cuDNN read (already rounded to the run's precision), so the comparison
//    measures cuDNN's arithmetic alone, not input rounding;
//  - compare_kernel: per run, the squared error of cuDNN's output at the same positions;
//  - nonfinite_kernel: per run, NaN and inf over the whole output (the poison left in an unwritten
//    element is NaN, so this is also the "every element was written" check).
// Positions are a seeded hash of the sample number, so reference and comparison agree on them without a
// table, and every output element is one when the output is small.
#pragma once

#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "common/random.cuh"
#include "reference_terms.hpp"

namespace gpucert::kernels::conv {

inline constexpr int kReferenceThreads = 128;
inline constexpr int kCheckThreads = 256;

struct Sampling {
  std::uint64_t count;  // positions checked per run
  std::uint64_t total;  // output elements
  std::uint64_t seed;
  __host__ __device__ bool every() const { return count == total; }
  __host__ __device__ std::uint64_t position(std::uint64_t sample) const {
    return every() ? sample : splitmix64(seed ^ splitmix64(sample)) % total;
  }
};

__device__ inline double to_double(float v) { return static_cast<double>(v); }
__device__ inline double to_double(__half v) { return static_cast<double>(__half2float(v)); }
__device__ inline double to_double(__nv_bfloat16 v) { return static_cast<double>(__bfloat162float(v)); }

template <int kThreads>
__device__ double block_sum(double value, double* shared) {
  shared[threadIdx.x] = value;
  __syncthreads();
  for (unsigned offset = kThreads / 2; offset > 0; offset /= 2) {
    if (threadIdx.x < offset) shared[threadIdx.x] += shared[threadIdx.x + offset];
    __syncthreads();
  }
  const double total = shared[0];
  __syncthreads();  // the caller may reuse `shared` at once
  return total;
}

// One block per sampled output; its threads split the terms of its sum (reference_terms.hpp), the input's
// channels fastest where they are contiguous. `first` and `second` are the direction's two inputs.
template <typename T>
__global__ void __launch_bounds__(kReferenceThreads)
    reference_kernel(const T* first, const T* second, Geometry g, Sampling sampling, double* expected) {
  __shared__ double shared[kReferenceThreads];
  const long long terms = g.terms();
  for (std::uint64_t sample = blockIdx.x; sample < sampling.count; sample += gridDim.x) {
    const OutputPoint o = output_point(g, static_cast<long long>(sampling.position(sample)));
    double sum = 0;
    for (long long t = threadIdx.x; t < terms; t += kReferenceThreads) {
      long long a = 0, b = 0;
      if (term(g, o, t, a, b)) sum += to_double(first[a]) * to_double(second[b]);  // else zero padding
    }
    const double total = block_sum<kReferenceThreads>(sum, shared);
    if (threadIdx.x == 0) expected[sample] = total;
  }
}

struct SampleTally {
  double squared_error;     // over finite sampled outputs (non-finite ones are the scan's)
  unsigned long long over;  // sampled outputs whose |error| exceeds the bound
};

template <typename T>
__global__ void __launch_bounds__(kCheckThreads)
    compare_kernel(const T* y, Sampling sampling, const double* expected, double bound, SampleTally* per_block) {
  __shared__ double shared[kCheckThreads];
  double squared = 0;
  unsigned long long over = 0;
  for (std::uint64_t sample = blockIdx.x * static_cast<std::uint64_t>(kCheckThreads) + threadIdx.x;
       sample < sampling.count; sample += static_cast<std::uint64_t>(gridDim.x) * kCheckThreads) {
    const double value = to_double(y[sampling.position(sample)]);
    if (!isfinite(value)) continue;
    const double error = value - expected[sample];
    squared += error * error;
    if (fabs(error) > bound) ++over;
  }
  const double block_squared = block_sum<kCheckThreads>(squared, shared);
  const double block_over = block_sum<kCheckThreads>(static_cast<double>(over), shared);  // exact below 2^53
  if (threadIdx.x == 0) per_block[blockIdx.x] = {block_squared, static_cast<unsigned long long>(block_over)};
}

template <typename T>
__global__ void __launch_bounds__(kCheckThreads)
    nonfinite_kernel(const T* y, std::uint64_t elements, unsigned long long* count) {
  __shared__ double shared[kCheckThreads];
  unsigned long long bad = 0;
  for (std::uint64_t i = blockIdx.x * static_cast<std::uint64_t>(kCheckThreads) + threadIdx.x; i < elements;
       i += static_cast<std::uint64_t>(gridDim.x) * kCheckThreads)
    if (!isfinite(to_double(y[i]))) ++bad;
  const double block_bad = block_sum<kCheckThreads>(static_cast<double>(bad), shared);
  if (threadIdx.x == 0 && block_bad > 0) atomicAdd(count, static_cast<unsigned long long>(block_bad));
}

}  // namespace gpucert::kernels::conv

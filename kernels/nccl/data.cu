#include "data.hpp"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <cstring>

#include "common/cuda_check.hpp"
#include "common/random.cuh"

namespace gpucert::kernels::nccl {
namespace {

constexpr unsigned int kBlocks = 1024;
constexpr unsigned int kThreads = 256;

template <typename T>
__device__ T from_double(double v) {
  return static_cast<T>(v);
}
template <>
__device__ __half from_double<__half>(double v) {
  return __float2half_rn(static_cast<float>(v));
}
template <>
__device__ __nv_bfloat16 from_double<__nv_bfloat16>(double v) {
  return __float2bfloat16_rn(static_cast<float>(v));
}

template <typename T>
__device__ double to_double(T v) {
  return static_cast<double>(v);
}
template <>
__device__ double to_double<__half>(__half v) {
  return static_cast<double>(__half2float(v));
}
template <>
__device__ double to_double<__nv_bfloat16>(__nv_bfloat16 v) {
  return static_cast<double>(__bfloat162float(v));
}

__device__ std::uint64_t mix(std::uint64_t seed, std::uint64_t rank, std::uint64_t e) {
  return splitmix64(seed ^ splitmix64(e ^ splitmix64(rank + 0x5851F42D4C957F2Dull)));
}

__device__ double base(const Values& v, std::uint64_t e) {
  return 1.0 + static_cast<double>(splitmix64(v.seed ^ splitmix64(e)) % v.spread);
}

// The value rank `rank` sends for element e.
__device__ double input_value(const Values& v, int rank, std::uint64_t e) {
  const auto n = static_cast<std::uint64_t>(v.nranks);
  const double special = static_cast<std::uint64_t>(rank) == e % n ? 1.0 : 0.0;
  switch (v.op) {
    case Op::Sum:
    case Op::Max:
      return base(v, e) + special;
    case Op::Min:
      return base(v, e) + 1.0 - special;
    case Op::Prod: {
      const bool negative = n > 1 && static_cast<std::uint64_t>(rank) == (e + 1) % n;
      return (special != 0.0 ? 2.0 : 1.0) * (negative ? -1.0 : 1.0);
    }
    case Op::Avg:
      return base(v, e);
    case Op::None:
      break;
  }
  return static_cast<double>(mix(v.seed, static_cast<std::uint64_t>(rank), e) % 251) - 125.0;
}

__device__ double reduced_value(const Values& v, std::uint64_t e) {
  switch (v.op) {
    case Op::Sum:
      return static_cast<double>(v.nranks) * base(v, e) + 1.0;
    case Op::Max:
      return base(v, e) + 1.0;
    case Op::Min:
    case Op::Avg:
      return base(v, e);
    case Op::Prod:
      return v.nranks > 1 ? -2.0 : 2.0;
    case Op::None:
      break;
  }
  return 0.0;
}

__device__ double expected_value(const Values& v, const Source& s, std::uint64_t i) {
  if (v.op != Op::None) return reduced_value(v, i + s.offset);
  const int rank = s.block ? static_cast<int>(i / s.block) : s.rank;
  return input_value(v, rank, (s.block ? i % s.block : i) + s.offset);
}

template <typename T>
__global__ void fill_kernel(T* out, std::uint64_t elements, Values v, int rank) {
  for (std::uint64_t e = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x; e < elements;
       e += static_cast<std::uint64_t>(gridDim.x) * blockDim.x)
    out[e] = from_double<T>(input_value(v, rank, e));
}

// Non-negative floats order like their bit patterns, so atomicMax on the bits keeps the largest error.
__device__ void record_error(unsigned int* max_bits, double relative) {
  const float f = isfinite(relative) ? static_cast<float>(relative) : INFINITY;
  atomicMax(max_bits, __float_as_uint(f));
}

template <typename T>
__global__ void check_kernel(const T* out, std::uint64_t elements, Values v, Source s, double tolerance,
                             unsigned long long* mismatches, unsigned int* max_error_bits) {
  unsigned long long wrong = 0;
  double worst = 0.0;
  for (std::uint64_t i = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x; i < elements;
       i += static_cast<std::uint64_t>(gridDim.x) * blockDim.x) {
    const double got = to_double(out[i]);
    const double want = expected_value(v, s, i);
    const double error = fabs(got - want);
    // Data movement sends some zeros; their error counts as it is.
    const double relative = !isfinite(got) ? INFINITY : want != 0.0 ? error / fabs(want) : error;
    const bool good = tolerance == 0.0 ? got == want : relative <= tolerance;
    wrong += good ? 0 : 1;
    worst = fmax(worst, relative);  // fmax drops a NaN operand; `relative` is never NaN here
  }
  if (wrong) atomicAdd(mismatches, wrong);
  if (worst > 0.0) record_error(max_error_bits, worst);
}

template <typename Fn>
void with_type(Element type, Fn&& fn) {
  switch (type) {
    case Element::F32:
      return fn(float{});
    case Element::F16:
      return fn(__half{});
    case Element::BF16:
      return fn(__nv_bfloat16{});
    case Element::F64:
      return fn(double{});
    case Element::I32:
      return fn(int{});
  }
}

}  // namespace

std::uint32_t exact_sum_spread(Element type, int nranks) {
  // Largest integer L such that every integer up to L is exact: 2^(mantissa bits + 1), or INT_MAX.
  double limit = 0;
  switch (type) {
    case Element::F32:
      limit = 16777216.0;
      break;
    case Element::F16:
      limit = 2048.0;
      break;
    case Element::BF16:
      limit = 256.0;
      break;
    case Element::F64:
      limit = 9007199254740992.0;
      break;
    case Element::I32:
      limit = 2147483647.0;
      break;
  }
  const double spread = std::floor((limit - 1.0) / nranks);
  return spread < 1.0 ? 0u : static_cast<std::uint32_t>(spread < 8.0 ? spread : 8.0);
}

void fill_inputs(void* out, std::uint64_t elements, const Values& v, int rank, cudaStream_t stream) {
  if (elements == 0) return;
  with_type(v.type, [&](auto tag) {
    using T = decltype(tag);
    fill_kernel<T><<<kBlocks, kThreads, 0, stream>>>(static_cast<T*>(out), elements, v, rank);
  });
  GPUCERT_CUDA_CHECK_LAUNCH();
}

Check check_outputs(const void* out, std::uint64_t elements, const Values& v, const Source& source, double tolerance,
                    cudaStream_t stream) {
  Check result;
  if (elements == 0) return result;
  struct Counters {
    unsigned long long mismatches;
    unsigned int max_error_bits;
  };
  Counters* counters = nullptr;
  GPUCERT_CUDA_TRY(cudaMalloc(reinterpret_cast<void**>(&counters), sizeof(Counters)));
  Counters host{};
  try {
    GPUCERT_CUDA_TRY(cudaMemsetAsync(counters, 0, sizeof(Counters), stream));
    with_type(v.type, [&](auto tag) {
      using T = decltype(tag);
      check_kernel<T><<<kBlocks, kThreads, 0, stream>>>(static_cast<const T*>(out), elements, v, source, tolerance,
                                                        &counters->mismatches, &counters->max_error_bits);
    });
    GPUCERT_CUDA_CHECK_LAUNCH();
    GPUCERT_CUDA_TRY(cudaMemcpyAsync(&host, counters, sizeof(Counters), cudaMemcpyDeviceToHost, stream));
    GPUCERT_CUDA_TRY(cudaStreamSynchronize(stream));
  } catch (...) {
    cudaFree(counters);
    throw;
  }
  GPUCERT_CUDA_TRY(cudaFree(counters));
  result.mismatches = host.mismatches;
  float max_error = 0;
  static_assert(sizeof(max_error) == sizeof(host.max_error_bits), "float and its bits differ in size");
  std::memcpy(&max_error, &host.max_error_bits, sizeof(max_error));
  result.max_rel_error = static_cast<double>(max_error);
  return result;
}

}  // namespace gpucert::kernels::nccl

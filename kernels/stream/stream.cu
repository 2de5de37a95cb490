// BabelStream's kernels, verified on every run and timed with CUDA events.
//
// Data: a, b and c are drawn from the request's seed (uniform in [1, 2)) before each kernel's series, so
// every element's expected value is a function of its index alone. Before each timed run the output array
// is poisoned with NaN; after it, a verification kernel recomputes every element and counts those beyond
// BabelStream's tolerance (100 machine epsilons, relative; the dot product 1000, as BabelStream 5).
// nstream updates a in place, so its expected value is the previous a (saved, untimed) plus b + s*c.
//
// Speed: each thread moves 16 bytes per access (two doubles or four floats) so that every warp issues
// 512-byte coalesced transactions, and by default each thread handles one such pack (a grid as large as
// the array): on an H100 that beat a persistent grid-stride loop by 4-7% (docs/PERFORMANCE.md).
#include "stream.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/cuda_check.hpp"
#include "common/device_resources.hpp"
#include "common/event_timer.hpp"
#include "common/l2_flush.hpp"
#include "common/plugin_glue.hpp"
#include "common/random.cuh"
#include "common/sampler.hpp"
#include "common/test_corruption.hpp"
#include "core/bandwidth.hpp"

namespace gpucert::kernels {
namespace {

constexpr double kScalar = 0.4;  // BabelStream's startScalar
constexpr int kThreads = 256;

template <typename T>
struct alignas(16) Pack {
  static constexpr int kWidth = 16 / sizeof(T);
  T v[kWidth];
};

// Each operation is split into load (every input of one pack into registers) and store (compute and
// write), so the kernel can issue the loads of several packs before the first store: without that split the
// compiler may not hoist a load above a store to another array it cannot prove distinct. `elem` is the
// scalar form for the tail past the last full pack.
template <typename T>
struct CopyOp {
  const T* a;
  T* c;
  struct Regs {
    Pack<T> x;
  };
  __device__ Regs load(std::size_t p) const { return {reinterpret_cast<const Pack<T>*>(a)[p]}; }
  __device__ void store(std::size_t p, const Regs& r) const { reinterpret_cast<Pack<T>*>(c)[p] = r.x; }
  __device__ void elem(std::size_t i) const { c[i] = a[i]; }
};

template <typename T>
struct MulOp {
  T* b;
  const T* c;
  T s;
  struct Regs {
    Pack<T> x;
  };
  __device__ Regs load(std::size_t p) const { return {reinterpret_cast<const Pack<T>*>(c)[p]}; }
  __device__ void store(std::size_t p, Regs r) const {
#pragma unroll
    for (int k = 0; k < Pack<T>::kWidth; ++k) r.x.v[k] = s * r.x.v[k];
    reinterpret_cast<Pack<T>*>(b)[p] = r.x;
  }
  __device__ void elem(std::size_t i) const { b[i] = s * c[i]; }
};

template <typename T>
struct AddOp {
  const T* a;
  const T* b;
  T* c;
  struct Regs {
    Pack<T> x, y;
  };
  __device__ Regs load(std::size_t p) const {
    return {reinterpret_cast<const Pack<T>*>(a)[p], reinterpret_cast<const Pack<T>*>(b)[p]};
  }
  __device__ void store(std::size_t p, Regs r) const {
#pragma unroll
    for (int k = 0; k < Pack<T>::kWidth; ++k) r.x.v[k] = r.x.v[k] + r.y.v[k];
    reinterpret_cast<Pack<T>*>(c)[p] = r.x;
  }
  __device__ void elem(std::size_t i) const { c[i] = a[i] + b[i]; }
};

template <typename T>
struct TriadOp {
  T* a;
  const T* b;
  const T* c;
  T s;
  struct Regs {
    Pack<T> x, y;
  };
  __device__ Regs load(std::size_t p) const {
    return {reinterpret_cast<const Pack<T>*>(b)[p], reinterpret_cast<const Pack<T>*>(c)[p]};
  }
  __device__ void store(std::size_t p, Regs r) const {
#pragma unroll
    for (int k = 0; k < Pack<T>::kWidth; ++k) r.x.v[k] = r.x.v[k] + s * r.y.v[k];
    reinterpret_cast<Pack<T>*>(a)[p] = r.x;
  }
  __device__ void elem(std::size_t i) const { a[i] = b[i] + s * c[i]; }
};

template <typename T>
struct NstreamOp {
  T* a;
  const T* b;
  const T* c;
  T s;
  struct Regs {
    Pack<T> x, y, z;
  };
  __device__ Regs load(std::size_t p) const {
    return {reinterpret_cast<const Pack<T>*>(a)[p], reinterpret_cast<const Pack<T>*>(b)[p],
            reinterpret_cast<const Pack<T>*>(c)[p]};
  }
  __device__ void store(std::size_t p, Regs r) const {
#pragma unroll
    for (int k = 0; k < Pack<T>::kWidth; ++k) r.x.v[k] += r.y.v[k] + s * r.z.v[k];
    reinterpret_cast<Pack<T>*>(a)[p] = r.x;
  }
  __device__ void elem(std::size_t i) const { a[i] += b[i] + s * c[i]; }
};

// Each thread handles `Unroll` packs per step, `stride` apart, all loads first.
template <typename T, typename Op, int Unroll>
__global__ void __launch_bounds__(kThreads) elementwise_kernel(Op op, std::size_t n) {
  const std::size_t packs = n / Pack<T>::kWidth;
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t first = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  std::size_t p = first;
  for (; p + (Unroll - 1) * stride < packs; p += Unroll * stride) {
    typename Op::Regs r[Unroll];
#pragma unroll
    for (int u = 0; u < Unroll; ++u) r[u] = op.load(p + u * stride);
#pragma unroll
    for (int u = 0; u < Unroll; ++u) op.store(p + u * stride, r[u]);
  }
  for (; p < packs; p += stride) op.store(p, op.load(p));
  for (std::size_t i = packs * Pack<T>::kWidth + first; i < n; i += stride) op.elem(i);
}

// The sum of `value` over the block's kThreads threads, valid in thread 0.
template <typename T>
__device__ T block_sum(T value) {
  __shared__ T shared[kThreads];
  shared[threadIdx.x] = value;
  __syncthreads();
  for (unsigned offset = kThreads / 2; offset > 0; offset /= 2) {
    if (threadIdx.x < offset) shared[threadIdx.x] += shared[threadIdx.x + offset];
    __syncthreads();
  }
  return shared[0];
}

template <typename T>
__global__ void __launch_bounds__(kThreads) dot_kernel(const T* a, const T* b, std::size_t n, T* partial) {
  const std::size_t packs = n / Pack<T>::kWidth;
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t first = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  T sum = 0;
  for (std::size_t p = first; p < packs; p += stride) {
    const Pack<T> x = reinterpret_cast<const Pack<T>*>(a)[p];
    const Pack<T> y = reinterpret_cast<const Pack<T>*>(b)[p];
#pragma unroll
    for (int k = 0; k < Pack<T>::kWidth; ++k) sum += x.v[k] * y.v[k];
  }
  for (std::size_t i = packs * Pack<T>::kWidth + first; i < n; i += stride) sum += a[i] * b[i];
  sum = block_sum(sum);
  if (threadIdx.x == 0) partial[blockIdx.x] = sum;
}

// The second stage of the dot product, inside the timed region: one block folds the partial sums.
template <typename T>
__global__ void __launch_bounds__(kThreads) sum_partials_kernel(const T* partial, int count, T* out) {
  T sum = 0;
  for (int i = threadIdx.x; i < count; i += kThreads) sum += partial[i];
  sum = block_sum(sum);
  if (threadIdx.x == 0) *out = sum;
}

// ---- verification ----------------------------------------------------------------------------------

struct Seeds {
  std::uint64_t a, b, c;
};

template <typename T>
__device__ inline T start_value(std::uint64_t seed, std::size_t i) {
  return uniform_value<T>(seed, i, 1.0, 2.0);
}

// Expected value of element i of the kernel's output, computed from the seeds in the output's precision
// with the kernel's own operation order. `previous` is nstream's a before the run.
template <typename T>
struct Gold {
  StreamKernel kernel;
  Seeds seeds;
  T s;
  const T* previous;
  __device__ T at(std::size_t i) const {
    const T a0 = start_value<T>(seeds.a, i), b0 = start_value<T>(seeds.b, i), c0 = start_value<T>(seeds.c, i);
    switch (kernel) {
      case StreamKernel::Copy:
        return a0;  // c = a
      case StreamKernel::Mul:
        return s * c0;  // b = s * c
      case StreamKernel::Add:
        return a0 + b0;  // c = a + b
      case StreamKernel::Triad:
        return b0 + s * c0;  // a = b + s * c
      default:
        return previous[i] + (b0 + s * c0);  // nstream: a += b + s * c (dot has no Gold)
    }
  }
};

struct Tally {
  unsigned long long mismatches;
  double max_rel;  // the largest relative error seen; +inf stands for NaN
};

template <typename T>
__global__ void __launch_bounds__(kThreads)
    verify_kernel(const T* got, std::size_t n, Gold<T> gold, double tolerance, Tally* per_block) {
  unsigned long long bad = 0;
  double worst = 0;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const double expected = static_cast<double>(gold.at(i));
    const double value = static_cast<double>(got[i]);
    double rel = fabs(value - expected) / fabs(expected);
    if (isnan(rel)) rel = INFINITY;
    if (!(rel <= tolerance)) ++bad;
    worst = fmax(worst, rel);
  }
  __shared__ unsigned long long shared_bad[kThreads];
  __shared__ double shared_worst[kThreads];
  shared_bad[threadIdx.x] = bad;
  shared_worst[threadIdx.x] = worst;
  __syncthreads();
  for (unsigned offset = kThreads / 2; offset > 0; offset /= 2) {
    if (threadIdx.x < offset) {
      shared_bad[threadIdx.x] += shared_bad[threadIdx.x + offset];
      shared_worst[threadIdx.x] = fmax(shared_worst[threadIdx.x], shared_worst[threadIdx.x + offset]);
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) per_block[blockIdx.x] = {shared_bad[0], shared_worst[0]};
}

// The dot product's reference: the same inputs, accumulated in fp64 by a different kernel and order.
template <typename T>
__global__ void __launch_bounds__(kThreads) reference_dot_kernel(std::size_t n, Seeds seeds, double* partial) {
  double sum = 0;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    sum += static_cast<double>(start_value<T>(seeds.a, i)) * static_cast<double>(start_value<T>(seeds.b, i));
  sum = block_sum(sum);
  if (threadIdx.x == 0) partial[blockIdx.x] = sum;
}

// ---- host side ---------------------------------------------------------------------------------------

// SMs x min(resident blocks per SM, limit): a grid that fills the GPU once and strides over the arrays.
int grid_size(const void* kernel, int limit_per_sm = 64) {
  int device = 0, sms = 0, per_sm = 0;
  GPUCERT_CUDA_TRY(cudaGetDevice(&device));
  GPUCERT_CUDA_TRY(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  GPUCERT_CUDA_TRY(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kThreads, 0));
  return sms * std::clamp(per_sm, 1, limit_per_sm);
}

// How the elementwise kernels are launched. The default was chosen by measurement on an H100
// (docs/PERFORMANCE.md); GPUCERT_STREAM_SHAPE="<unroll>x<blocks per SM, 0 = one step per thread>"
// overrides it to compare shapes on other GPUs.
struct LaunchShape {
  int unroll = 1;
  int blocks_per_sm = 0;
};

LaunchShape launch_shape() {
  LaunchShape shape;
  if (const char* text = std::getenv("GPUCERT_STREAM_SHAPE")) {
    int unroll = 0, per_sm = -1;
    if (std::sscanf(text, "%dx%d", &unroll, &per_sm) == 2 && (unroll == 1 || unroll == 2 || unroll == 4) && per_sm >= 0)
      shape = {unroll, per_sm};
  }
  return shape;
}

template <typename T, typename Op>
const void* elementwise_entry(int unroll) {
  if (unroll == 4) return reinterpret_cast<const void*>(elementwise_kernel<T, Op, 4>);
  if (unroll == 2) return reinterpret_cast<const void*>(elementwise_kernel<T, Op, 2>);
  return reinterpret_cast<const void*>(elementwise_kernel<T, Op, 1>);
}

template <typename T, typename Op>
void launch_elementwise(const Op& op, std::size_t n, int unroll, int blocks, cudaStream_t stream) {
  if (unroll == 4)
    elementwise_kernel<T, Op, 4><<<blocks, kThreads, 0, stream>>>(op, n);
  else if (unroll == 2)
    elementwise_kernel<T, Op, 2><<<blocks, kThreads, 0, stream>>>(op, n);
  else
    elementwise_kernel<T, Op, 1><<<blocks, kThreads, 0, stream>>>(op, n);
}

Tally reduce_tallies(const DeviceArray<Tally>& tallies, int blocks, cudaStream_t stream) {
  std::vector<Tally> host(static_cast<std::size_t>(blocks));
  GPUCERT_CUDA_TRY(
      cudaMemcpyAsync(host.data(), tallies.get(), host.size() * sizeof(Tally), cudaMemcpyDeviceToHost, stream));
  GPUCERT_CUDA_TRY(cudaStreamSynchronize(stream));
  Tally total{0, 0};
  for (const auto& t : host) {
    total.mismatches += t.mismatches;
    total.max_rel = std::max(total.max_rel, t.max_rel);
  }
  return total;
}

template <typename T>
RunReply run_typed(const RunRequest& request, const std::string& kernel_name, std::size_t n) {
  const auto parsed = parse_stream_kernel(kernel_name);
  if (!parsed) return error_reply("stream: unknown kernel '" + kernel_name + "'");
  const StreamKernel kernel = *parsed;

  GPUCERT_CUDA_TRY(cudaSetDevice(request.device));
  OwnedStream stream;
  const cudaStream_t s = stream.get();
  DeviceArray<T> a(n), b(n), c(n);
  DeviceArray<T> previous(kernel == StreamKernel::Nstream ? n : 0);
  const Seeds seeds{splitmix64(request.seed ^ 0xA), splitmix64(request.seed ^ 0xB), splitmix64(request.seed ^ 0xC)};
  fill_uniform(a.get(), n, seeds.a, 1.0, 2.0, s);
  fill_uniform(b.get(), n, seeds.b, 1.0, 2.0, s);
  fill_uniform(c.get(), n, seeds.c, 1.0, 2.0, s);
  const T scalar = static_cast<T>(kScalar);

  const int verify_blocks = 1024;
  DeviceArray<Tally> tallies(verify_blocks);
  const double eps = std::numeric_limits<T>::epsilon();
  Verification verification;
  verification.passed = true;
  EventTimer timer;
  const L2Flush l2(request.flush_l2);

  RunReply reply;
  if (kernel == StreamKernel::Dot) {
    const int blocks = grid_size(reinterpret_cast<const void*>(dot_kernel<T>));
    DeviceArray<T> partial(static_cast<std::size_t>(blocks)), result(1);
    DeviceArray<double> reference_partial(verify_blocks);
    reference_dot_kernel<T><<<verify_blocks, kThreads, 0, s>>>(n, seeds, reference_partial.get());
    GPUCERT_CUDA_CHECK_LAUNCH();
    std::vector<double> host_partial(verify_blocks);
    GPUCERT_CUDA_TRY(cudaMemcpyAsync(host_partial.data(), reference_partial.get(), verify_blocks * sizeof(double),
                                     cudaMemcpyDeviceToHost, s));
    GPUCERT_CUDA_TRY(cudaStreamSynchronize(s));
    long double reference = 0;
    for (double p : host_partial) reference += p;
    const double tolerance = 1000 * eps;
    verification.tolerance = tolerance;
    verification.method = "fp64 reference sum of the same seeded inputs, every run";
    reply.samples_s = sample_device_time(request.id, request.warmup, request.repetitions, [&] {
      poison(result.get(), sizeof(T), s);
      l2.before_timed_run(s);
      const double seconds = timer.seconds(s, [&](cudaStream_t st) {
        dot_kernel<T><<<blocks, kThreads, 0, st>>>(a.get(), b.get(), n, partial.get());
        sum_partials_kernel<T><<<1, kThreads, 0, st>>>(partial.get(), blocks, result.get());
      });
      GPUCERT_CUDA_CHECK_LAUNCH();
      corrupt_output_for_test("stream", result.get(), sizeof(T), s);
      T sum{};
      GPUCERT_CUDA_TRY(cudaMemcpyAsync(&sum, result.get(), sizeof(T), cudaMemcpyDeviceToHost, s));
      GPUCERT_CUDA_TRY(cudaStreamSynchronize(s));
      double rel =
          std::fabs(static_cast<double>(static_cast<long double>(sum) - reference) / static_cast<double>(reference));
      if (std::isnan(rel)) rel = std::numeric_limits<double>::infinity();
      ++verification.checked;
      if (!(rel <= tolerance)) ++verification.mismatches;
      verification.max_rel_error = std::max(verification.max_rel_error, rel);
      return seconds;
    });
    reply.details = {
        {"blocks", blocks}, {"threads_per_block", kThreads}, {"reference_sum", static_cast<double>(reference)}};
  } else {
    // Each kernel's output array (bandwidth.hpp lists them): c for copy and add, b for mul, a for triad and nstream.
    T* out = kernel == StreamKernel::Mul                                   ? b.get()
             : kernel == StreamKernel::Copy || kernel == StreamKernel::Add ? c.get()
                                                                           : a.get();
    const LaunchShape shape = launch_shape();
    int blocks = 0;
    auto launch = [&](cudaStream_t st) {
      switch (kernel) {
        case StreamKernel::Copy:
          launch_elementwise<T>(CopyOp<T>{a.get(), c.get()}, n, shape.unroll, blocks, st);
          break;
        case StreamKernel::Mul:
          launch_elementwise<T>(MulOp<T>{b.get(), c.get(), scalar}, n, shape.unroll, blocks, st);
          break;
        case StreamKernel::Add:
          launch_elementwise<T>(AddOp<T>{a.get(), b.get(), c.get()}, n, shape.unroll, blocks, st);
          break;
        case StreamKernel::Triad:
          launch_elementwise<T>(TriadOp<T>{a.get(), b.get(), c.get(), scalar}, n, shape.unroll, blocks, st);
          break;
        default:
          launch_elementwise<T>(NstreamOp<T>{a.get(), b.get(), c.get(), scalar}, n, shape.unroll, blocks, st);
          break;
      }
    };
    const void* entry = kernel == StreamKernel::Copy    ? elementwise_entry<T, CopyOp<T>>(shape.unroll)
                        : kernel == StreamKernel::Mul   ? elementwise_entry<T, MulOp<T>>(shape.unroll)
                        : kernel == StreamKernel::Add   ? elementwise_entry<T, AddOp<T>>(shape.unroll)
                        : kernel == StreamKernel::Triad ? elementwise_entry<T, TriadOp<T>>(shape.unroll)
                                                        : elementwise_entry<T, NstreamOp<T>>(shape.unroll);
    const std::size_t packs = n / Pack<T>::kWidth;
    blocks = shape.blocks_per_sm > 0
                 ? grid_size(entry, shape.blocks_per_sm)
                 : static_cast<int>(std::min<std::size_t>(
                       (packs + kThreads * shape.unroll - 1) / (kThreads * shape.unroll), std::size_t{1} << 30));
    blocks = std::max(blocks, 1);
    const double tolerance = 100 * eps;
    verification.tolerance = tolerance;
    verification.method = "every element of every run against its value recomputed from the seed";
    const Gold<T> gold{kernel, seeds, scalar, previous.get()};
    reply.samples_s = sample_device_time(request.id, request.warmup, request.repetitions, [&] {
      if (kernel == StreamKernel::Nstream)
        GPUCERT_CUDA_TRY(cudaMemcpyAsync(previous.get(), a.get(), n * sizeof(T), cudaMemcpyDeviceToDevice, s));
      else
        poison(out, n * sizeof(T), s);
      l2.before_timed_run(s);
      const double seconds = timer.seconds(s, launch);
      GPUCERT_CUDA_CHECK_LAUNCH();
      corrupt_output_for_test("stream", out, n * sizeof(T), s);
      verify_kernel<T><<<verify_blocks, kThreads, 0, s>>>(out, n, gold, tolerance, tallies.get());
      GPUCERT_CUDA_CHECK_LAUNCH();
      const Tally tally = reduce_tallies(tallies, verify_blocks, s);
      verification.checked += n;
      verification.mismatches += tally.mismatches;
      verification.max_rel_error = std::max(verification.max_rel_error, tally.max_rel);
      return seconds;
    });
    reply.details = {{"blocks", blocks},
                     {"threads_per_block", kThreads},
                     {"bytes_per_access", 16},
                     {"packs_per_step", shape.unroll},
                     {"grid", shape.blocks_per_sm > 0 ? "resident blocks x SMs" : "one step per thread"}};
  }
  // Warm-up runs are verified too (they share the lambda) but only timed runs count as samples.
  conclude_verification(reply, verification, [&] {
    return std::to_string(verification.mismatches) + " of " + std::to_string(verification.checked) +
           " checked values outside the tolerance";
  });
  reply.details["elements"] = n;
  l2.describe(reply.details);
  reply.details["scalar"] = kScalar;
  return reply;
}

}  // namespace

RunReply run_stream(const RunRequest& request) {
  const auto kernel = request.params.value("kernel", std::string{});
  const auto precision = request.params.value("precision", std::string{});
  const auto elements = request.params.value("elements", std::uint64_t{0});
  if (elements == 0) return error_reply("stream: params.elements must be a positive count");
  if (precision == "fp64") return run_typed<double>(request, kernel, elements);
  if (precision == "fp32") return run_typed<float>(request, kernel, elements);
  return error_reply("stream: unknown precision '" + precision + "'");
}

}  // namespace gpucert::kernels

#include "verify.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "common/cuda_check.hpp"
#include "common/device_resources.hpp"
#include "reference.cuh"

namespace gpucert::kernels::conv {
namespace {

constexpr std::uint64_t kMaxReferenceBlocks = 32768;
constexpr unsigned kScanBlocks = 1024;

template <typename Visitor>
void with_element_type(ConvPrecision precision, Visitor&& visit) {
  switch (precision) {
    case ConvPrecision::Fp16:
      visit(__half{});
      break;
    case ConvPrecision::Bf16:
      visit(__nv_bfloat16{});
      break;
    default:
      visit(float{});
      break;
  }
}

unsigned compare_blocks(std::uint64_t samples) {
  return static_cast<unsigned>(std::max<std::uint64_t>(1, (samples + kCheckThreads - 1) / kCheckThreads));
}

}  // namespace

struct ConvVerifier::Impl {
  ConvPrecision precision;
  Geometry geometry{};
  Sampling sampling{};
  double limit = 0;
  double reference_squared = 0;  // ||ref||^2 over the checked positions
  DeviceMemory expected;
  DeviceMemory tallies;
  DeviceMemory nonfinite;
  Impl(const ConvProblem& problem, Sampling s, double l)
      : precision(problem.precision),
        geometry(geometry_of(problem)),
        sampling(s),
        limit(l),
        expected(s.count * sizeof(double)),
        tallies(compare_blocks(s.count) * sizeof(SampleTally)),
        nonfinite(sizeof(unsigned long long)) {}
};

ConvVerifier::ConvVerifier(const ConvProblem& problem, const void* x, const void* w, const void* y, std::uint64_t seed,
                           double limit, std::uint64_t max_samples, cudaStream_t stream) {
  const std::uint64_t total = problem.output_elements();
  const Sampling sampling{std::min(total, max_samples), total, splitmix64(seed ^ 0x5A)};
  impl_ = std::make_unique<Impl>(problem, sampling, limit);
  const auto blocks = static_cast<unsigned>(std::min(sampling.count, kMaxReferenceBlocks));
  const auto buffer = [&](ConvRole role) { return role == ConvRole::X ? x : role == ConvRole::W ? w : y; };
  const void* first = buffer(first_input(problem.direction));
  const void* second = buffer(second_input(problem.direction));
  with_element_type(problem.precision, [&](auto tag) {
    using T = decltype(tag);
    reference_kernel<T><<<blocks, kReferenceThreads, 0, stream>>>(static_cast<const T*>(first),
                                                                  static_cast<const T*>(second), impl_->geometry,
                                                                  sampling, impl_->expected.as<double>());
  });
  GPUCERT_CUDA_CHECK_LAUNCH();
  std::vector<double> expected(sampling.count);
  GPUCERT_CUDA_TRY(cudaMemcpyAsync(expected.data(), impl_->expected.get(), expected.size() * sizeof(double),
                                   cudaMemcpyDeviceToHost, stream));
  GPUCERT_CUDA_TRY(cudaStreamSynchronize(stream));
  for (double e : expected) impl_->reference_squared += e * e;
}

ConvVerifier::~ConvVerifier() = default;

RunCheck ConvVerifier::check(const void* output, cudaStream_t stream) const {
  const auto& s = impl_->sampling;
  const unsigned blocks = compare_blocks(s.count);
  const double bound = impl_->limit * reference_rms();
  auto* counter = impl_->nonfinite.as<unsigned long long>();
  GPUCERT_CUDA_TRY(cudaMemsetAsync(counter, 0, sizeof(unsigned long long), stream));
  with_element_type(impl_->precision, [&](auto tag) {
    using T = decltype(tag);
    compare_kernel<T><<<blocks, kCheckThreads, 0, stream>>>(
        static_cast<const T*>(output), s, impl_->expected.as<double>(), bound, impl_->tallies.as<SampleTally>());
    GPUCERT_CUDA_CHECK_LAUNCH();
    nonfinite_kernel<T><<<kScanBlocks, kCheckThreads, 0, stream>>>(static_cast<const T*>(output), s.total, counter);
    GPUCERT_CUDA_CHECK_LAUNCH();
  });
  std::vector<SampleTally> tallies(blocks);
  unsigned long long nonfinite = 0;
  GPUCERT_CUDA_TRY(cudaMemcpyAsync(tallies.data(), impl_->tallies.get(), tallies.size() * sizeof(SampleTally),
                                   cudaMemcpyDeviceToHost, stream));
  GPUCERT_CUDA_TRY(cudaMemcpyAsync(&nonfinite, counter, sizeof(nonfinite), cudaMemcpyDeviceToHost, stream));
  GPUCERT_CUDA_TRY(cudaStreamSynchronize(stream));

  // Summed on the host in block order, so that the same output always gives the same figure.
  double squared_error = 0;
  std::uint64_t over = 0;
  for (const auto& t : tallies) {
    squared_error += t.squared_error;
    over += t.over;
  }
  RunCheck check;
  check.checked = s.count;
  check.nonfinite = nonfinite;
  if (impl_->reference_squared > 0)
    check.relative_error = std::sqrt(squared_error / impl_->reference_squared);
  else
    check.relative_error = squared_error > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  check.mismatches = nonfinite;
  if (!(check.relative_error <= impl_->limit)) check.mismatches += std::max<std::uint64_t>(over, 1);
  return check;
}

std::uint64_t ConvVerifier::samples() const { return impl_->sampling.count; }
bool ConvVerifier::every_element() const { return impl_->sampling.every(); }
double ConvVerifier::reference_rms() const {
  return std::sqrt(impl_->reference_squared / static_cast<double>(impl_->sampling.count));
}

}  // namespace gpucert::kernels::conv

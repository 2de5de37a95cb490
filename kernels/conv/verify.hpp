// Verification of every conv run against an fp64 reference of its direction (reference.cuh: the direct
// convolution, or its adjoint in x or in w): the reference is computed once, at construction, since the inputs
// never change between runs; check() compares one run's output with it.
//
// The figure is the relative Frobenius error ||y - ref|| / ||ref|| over the checked positions, against
// core's limit for the precision (tolerance.hpp). A run passes when that error is within the limit and
// the output holds no NaN or inf anywhere. Mismatches, for the report: every non-finite output, plus, in
// a run over the limit, each checked output whose own error exceeds limit x rms(ref) (at least one does
// whenever the Frobenius error is over the limit, so a failed run never reports zero).
#pragma once

#include <cstdint>
#include <memory>

#include <cuda_runtime_api.h>

#include "conv_problem.hpp"

namespace gpucert::kernels::conv {

struct RunCheck {
  std::uint64_t checked = 0;     // sampled outputs compared
  std::uint64_t nonfinite = 0;   // NaN or inf anywhere in the output
  std::uint64_t mismatches = 0;  // as the header explains
  double relative_error = 0;     // relative Frobenius error; +inf when the reference norm is 0 and y is not
};

class ConvVerifier {
 public:
  // x, w, y: the buffers of the three roles (conv_problem.hpp); it reads the direction's two inputs among them
  // (dy is in y's buffer), never its output. At most `max_samples` output positions, chosen by a hash of the
  // run's `seed`; every output when there are fewer.
  ConvVerifier(const ConvProblem& problem, const void* x, const void* w, const void* y, std::uint64_t seed,
               double limit, std::uint64_t max_samples, cudaStream_t stream);
  ~ConvVerifier();
  ConvVerifier(const ConvVerifier&) = delete;
  ConvVerifier& operator=(const ConvVerifier&) = delete;

  // Compares one run's output (y, dx or dw); synchronises `stream`.
  RunCheck check(const void* output, cudaStream_t stream) const;

  [[nodiscard]] std::uint64_t samples() const;
  [[nodiscard]] bool every_element() const;
  [[nodiscard]] double reference_rms() const;  // root mean square of the reference at the checked positions

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gpucert::kernels::conv

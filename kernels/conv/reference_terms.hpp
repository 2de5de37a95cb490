// What the fp64 reference (reference.cuh) sums for one checked output of each direction, as plain functions the
// device kernels and the CPU unit tests share: which output element a layout offset is, and which two input
// elements each term of its sum multiplies. Plain C++ (no CUDA header, no JSON); under nvcc the functions are
// __host__ __device__.
//
// For the layouts of conv_problem.hpp, with ih = p·stride − pad + r·dilation, iw = q·stride − pad + s·dilation:
//   forward          y[n,k,p,q]  = Σ over c,r,s  of x[n,c,ih,iw] · w[k,c,r,s]
//   backward_data    dx[n,c,h,w] = Σ over k,r,s  of dy[n,k,p,q] · w[k,c,r,s]  for the p, q with ih = h, iw = w
//   backward_filter  dw[k,c,r,s] = Σ over n,p,q  of x[n,c,ih,iw] · dy[n,k,p,q]
// In every sum a term whose input position falls in the zero padding contributes nothing. backward_data's sum
// runs over the filter taps: output row p = (h + pad − r·dilation) / stride exists only where that division is
// exact and 0 <= p < P (with a stride above 1, most taps of a given dx element have no output row), and the same
// for columns.
#pragma once

#include <algorithm>
#include <cstdint>

#include "conv_problem.hpp"

#if defined(__CUDACC__)
#define GPUCERT_CONV_HOST_DEVICE __host__ __device__
#else
#define GPUCERT_CONV_HOST_DEVICE
#endif

namespace gpucert::kernels::conv {

// Checked outputs per run: every output up to kMaxSamples; fewer where one output's sum is long, so that the
// reference multiplies at most kMaxReferenceTerms pairs (backward_filter sums N·P·Q products per output: 802,816
// for ResNet-50's 56x56 layers at batch 256, 3,211,264 for its conv1), but never fewer than kMinSamples (or every
// output when there are fewer). 4096 samples still give the relative Frobenius error to about 1%.
inline constexpr std::uint64_t kMaxSamples = 65536;
inline constexpr std::uint64_t kMinSamples = 4096;
inline constexpr std::uint64_t kMaxReferenceTerms = std::uint64_t{1} << 34;

inline std::uint64_t reference_samples(const ConvProblem& problem) {
  const std::uint64_t terms = std::max<std::uint64_t>(1, problem.terms_per_output());
  const std::uint64_t affordable = std::clamp(kMaxReferenceTerms / terms, kMinSamples, kMaxSamples);
  return std::min(problem.output_elements(), affordable);
}

// The two inputs each term multiplies: forward x·w, backward_data dy·w (dy in y's buffer), backward_filter x·dy.
inline ConvRole first_input(ConvDirection direction) {
  return direction == ConvDirection::BackwardData ? ConvRole::Y : ConvRole::X;
}
inline ConvRole second_input(ConvDirection direction) {
  return direction == ConvDirection::BackwardFilter ? ConvRole::Y : ConvRole::W;
}

// The problem as the kernels index it.
struct Geometry {
  long long n, c, h, w, k, r, s, p, q, pad, stride, dilation;
  ConvDirection direction;

  GPUCERT_CONV_HOST_DEVICE long long terms() const {
    return direction == ConvDirection::BackwardData     ? k * r * s
           : direction == ConvDirection::BackwardFilter ? n * p * q
                                                        : c * r * s;
  }
};

inline Geometry geometry_of(const ConvProblem& problem) {
  return {problem.n,   problem.c,   problem.h,   problem.w,      problem.k,        problem.r,        problem.s,
          problem.p(), problem.q(), problem.pad, problem.stride, problem.dilation, problem.direction};
}

// One output element's coordinates, slowest first as its layout stores them: forward y (n, p, q, k), backward_data
// dx (n, h, w, c), backward_filter dw (k, r, s, c).
struct OutputPoint {
  long long i0, i1, i2, i3;
};

// The output element at `offset` in the output tensor (the layouts of conv_problem.hpp).
GPUCERT_CONV_HOST_DEVICE inline OutputPoint output_point(const Geometry& g, long long offset) {
  // The sizes of the output's three inner dimensions, innermost last.
  long long d1 = g.p, d2 = g.q, d3 = g.k;            // forward: y in NPQK
  if (g.direction == ConvDirection::BackwardData) {  // dx in NHWC
    d1 = g.h;
    d2 = g.w;
    d3 = g.c;
  } else if (g.direction == ConvDirection::BackwardFilter) {  // dw in KRSC
    d1 = g.r;
    d2 = g.s;
    d3 = g.c;
  }
  OutputPoint o{};
  o.i3 = offset % d3;
  offset /= d3;
  o.i2 = offset % d2;
  offset /= d2;
  o.i1 = offset % d1;
  o.i0 = offset / d1;
  return o;
}

// Term t (0 <= t < g.terms()) of output `o`'s sum: sets the offsets of its two factors in first_input() and
// second_input() and returns true, or returns false when the term lies in the zero padding (or, in backward_data,
// has no output row or column at this stride). Terms run channel-fastest where an input is contiguous in them.
GPUCERT_CONV_HOST_DEVICE inline bool term(const Geometry& g, const OutputPoint& o, long long t, long long& first,
                                          long long& second) {
  switch (g.direction) {
    case ConvDirection::Forward: {  // o = (n, p, q, k); t = (r, s, c), c fastest
      const long long c = t % g.c, rs = t / g.c, r = rs / g.s, s = rs % g.s;
      const long long ih = o.i1 * g.stride - g.pad + r * g.dilation;
      const long long iw = o.i2 * g.stride - g.pad + s * g.dilation;
      if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) return false;
      first = ((o.i0 * g.h + ih) * g.w + iw) * g.c + c;  // x[n, c, ih, iw]
      second = ((o.i3 * g.r + r) * g.s + s) * g.c + c;   // w[k, c, r, s]
      return true;
    }
    case ConvDirection::BackwardData: {  // o = (n, h, w, c); t = (r, s, k), k fastest
      const long long k = t % g.k, rs = t / g.k, r = rs / g.s, s = rs % g.s;
      const long long row = o.i1 + g.pad - r * g.dilation;  // = p·stride for the output row p it came from
      const long long col = o.i2 + g.pad - s * g.dilation;
      if (row < 0 || col < 0 || row % g.stride != 0 || col % g.stride != 0) return false;
      const long long p = row / g.stride, q = col / g.stride;
      if (p >= g.p || q >= g.q) return false;
      first = ((o.i0 * g.p + p) * g.q + q) * g.k + k;   // dy[n, k, p, q]
      second = ((k * g.r + r) * g.s + s) * g.c + o.i3;  // w[k, c, r, s]
      return true;
    }
    case ConvDirection::BackwardFilter: {  // o = (k, r, s, c); t = (n, p, q), q fastest
      const long long q = t % g.q, np = t / g.q, p = np % g.p, n = np / g.p;
      const long long ih = p * g.stride - g.pad + o.i1 * g.dilation;
      const long long iw = q * g.stride - g.pad + o.i2 * g.dilation;
      if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) return false;
      first = ((n * g.h + ih) * g.w + iw) * g.c + o.i3;  // x[n, c, ih, iw]
      second = ((n * g.p + p) * g.q + q) * g.k + o.i0;   // dy[n, k, p, q]
      return true;
    }
  }
  return false;
}

}  // namespace gpucert::kernels::conv

// The conv plugin's plain C++, without a GPU: the run request's params (kernels/conv/conv_params.cpp) and the
// index arithmetic of the fp64 reference (kernels/conv/reference_terms.hpp), which the device kernels use as is.
// The reference's sums for all three directions are checked against the convolution's definition written the
// other way round: one loop over every (n, k, p, q, c, r, s) that scatters each product x·w into y, dy·w into
// dx and x·dy into dw, which needs no division and no stride test. Integer-valued inputs keep every sum exact,
// so the two must agree to the last bit.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "conv/conv_params.hpp"
#include "conv/reference_terms.hpp"

namespace gpucert::kernels::conv {
namespace {

ConvProblem problem_of(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t k, std::int64_t r,
                       std::int64_t s, std::int64_t pad, std::int64_t stride, std::int64_t dilation) {
  ConvProblem p;
  p.n = n, p.c = c, p.h = h, p.w = w, p.k = k, p.r = r, p.s = s, p.pad = pad, p.stride = stride, p.dilation = dilation;
  return p;
}

// Small integers, different for each tensor and position, none zero.
std::vector<double> integers(std::uint64_t count, int salt) {
  std::vector<double> out(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    const int v = static_cast<int>((i * 7 + static_cast<std::uint64_t>(salt) * 13) % 10) - 5;  // -5..4
    out[i] = v >= 0 ? v + 1 : v;                                                               // -5..-1, 1..5
  }
  return out;
}

struct Tensors {
  std::vector<double> x, w, y;
  const std::vector<double>& of(ConvRole role) const { return role == ConvRole::X ? x : role == ConvRole::W ? w : y; }
};

// y = conv(x, w), dx = conv's adjoint in x applied to dy (in y's place), dw = its adjoint in w, from the definition.
Tensors by_definition(const ConvProblem& pb, const Tensors& in) {
  Tensors out{std::vector<double>(pb.x_elements()), std::vector<double>(pb.w_elements()),
              std::vector<double>(pb.y_elements())};
  for (std::int64_t n = 0; n < pb.n; ++n)
    for (std::int64_t k = 0; k < pb.k; ++k)
      for (std::int64_t p = 0; p < pb.p(); ++p)
        for (std::int64_t q = 0; q < pb.q(); ++q)
          for (std::int64_t c = 0; c < pb.c; ++c)
            for (std::int64_t r = 0; r < pb.r; ++r)
              for (std::int64_t s = 0; s < pb.s; ++s) {
                const std::int64_t ih = p * pb.stride - pb.pad + r * pb.dilation;
                const std::int64_t iw = q * pb.stride - pb.pad + s * pb.dilation;
                if (ih < 0 || ih >= pb.h || iw < 0 || iw >= pb.w) continue;
                const auto xi = static_cast<std::size_t>(((n * pb.h + ih) * pb.w + iw) * pb.c + c);
                const auto wi = static_cast<std::size_t>(((k * pb.r + r) * pb.s + s) * pb.c + c);
                const auto yi = static_cast<std::size_t>(((n * pb.p() + p) * pb.q() + q) * pb.k + k);
                out.y[yi] += in.x[xi] * in.w[wi];
                out.x[xi] += in.y[yi] * in.w[wi];
                out.w[wi] += in.x[xi] * in.y[yi];
              }
  return out;
}

// Every output of `direction` as the reference kernel sums it.
std::vector<double> by_reference_terms(ConvProblem pb, ConvDirection direction, const Tensors& in) {
  pb.direction = direction;
  const Geometry g = geometry_of(pb);
  const auto& a = in.of(first_input(direction));
  const auto& b = in.of(second_input(direction));
  std::vector<double> out(pb.output_elements());
  EXPECT_EQ(static_cast<std::uint64_t>(g.terms()), pb.terms_per_output());
  for (std::uint64_t offset = 0; offset < out.size(); ++offset) {
    const OutputPoint o = output_point(g, static_cast<long long>(offset));
    for (long long t = 0; t < g.terms(); ++t) {
      long long i = -1, j = -1;
      if (!term(g, o, t, i, j)) continue;
      EXPECT_GE(i, 0);
      EXPECT_LT(static_cast<std::size_t>(i), a.size());
      EXPECT_GE(j, 0);
      EXPECT_LT(static_cast<std::size_t>(j), b.size());
      out[offset] += a[static_cast<std::size_t>(i)] * b[static_cast<std::size_t>(j)];
    }
  }
  return out;
}

void expect_reference_matches_definition(const ConvProblem& pb) {
  const Tensors in{integers(pb.x_elements(), 1), integers(pb.w_elements(), 2), integers(pb.y_elements(), 3)};
  const Tensors want = by_definition(pb, in);
  EXPECT_EQ(by_reference_terms(pb, ConvDirection::Forward, in), want.y) << "forward";
  EXPECT_EQ(by_reference_terms(pb, ConvDirection::BackwardData, in), want.x) << "backward_data";
  EXPECT_EQ(by_reference_terms(pb, ConvDirection::BackwardFilter, in), want.w) << "backward_filter";
}

TEST(ConvReferenceTerms, UnitStrideNoPadding) {
  expect_reference_matches_definition(problem_of(2, 3, 5, 6, 4, 1, 1, 0, 1, 1));
}

TEST(ConvReferenceTerms, ThreeByThreePadOne) {
  expect_reference_matches_definition(problem_of(2, 4, 6, 5, 3, 3, 3, 1, 1, 1));
}

// ResNet-50's conv1 in miniature: 7x7, stride 2, pad 3. Each dx element receives from about a quarter of the
// filter taps, and which quarter depends on the parity of its row and column.
TEST(ConvReferenceTerms, StrideTwoPadThreeLikeConv1) {
  expect_reference_matches_definition(problem_of(2, 3, 11, 12, 4, 7, 7, 3, 2, 1));
}

// The stride does not divide the padded input: the last rows and columns of x reach no output, so their dx is 0.
TEST(ConvReferenceTerms, StrideThreeLeavesInputRowsUnread) {
  const auto pb = problem_of(1, 2, 10, 9, 3, 3, 3, 0, 3, 1);
  expect_reference_matches_definition(pb);
  const Tensors in{integers(pb.x_elements(), 1), integers(pb.w_elements(), 2), integers(pb.y_elements(), 3)};
  const auto dx = by_reference_terms(pb, ConvDirection::BackwardData, in);
  // P = (10 − 3) / 3 + 1 = 3 rows read x rows 0..8; row 9 is never read.
  for (std::int64_t w = 0; w < pb.w; ++w)
    for (std::int64_t c = 0; c < pb.c; ++c) EXPECT_EQ(dx[static_cast<std::size_t>((9 * pb.w + w) * pb.c + c)], 0.0);
}

// A 1x1 filter with stride 2 (ResNet's projection shortcuts): dx is zero at every odd row or column.
TEST(ConvReferenceTerms, OneByOneStrideTwo) {
  const auto pb = problem_of(2, 3, 8, 8, 5, 1, 1, 0, 2, 1);
  expect_reference_matches_definition(pb);
  const Tensors in{integers(pb.x_elements(), 1), integers(pb.w_elements(), 2), integers(pb.y_elements(), 3)};
  const auto dx = by_reference_terms(pb, ConvDirection::BackwardData, in);
  EXPECT_EQ(dx[static_cast<std::size_t>((1 * pb.w + 0) * pb.c + 0)], 0.0);  // row 1
  EXPECT_NE(dx[static_cast<std::size_t>((2 * pb.w + 2) * pb.c + 0)], 0.0);  // row 2, column 2
}

TEST(ConvReferenceTerms, DilatedStridedAndPadded) {
  expect_reference_matches_definition(problem_of(2, 3, 13, 11, 2, 3, 2, 2, 3, 2));
}

TEST(ConvReferenceTerms, OutputPointsFollowEachLayout) {
  auto pb = problem_of(2, 3, 5, 7, 4, 3, 2, 1, 1, 1);  // P = 5, Q = 8
  ASSERT_EQ(pb.p(), 5);
  ASSERT_EQ(pb.q(), 8);
  const auto at = [&](ConvDirection d, long long offset) {
    pb.direction = d;
    const auto o = output_point(geometry_of(pb), offset);
    return std::vector<long long>{o.i0, o.i1, o.i2, o.i3};
  };
  // y (n, p, q, k) at ((n·P + p)·Q + q)·K + k: (1, 2, 3, 1) at ((5 + 2)·8 + 3)·4 + 1 = 237.
  EXPECT_EQ(at(ConvDirection::Forward, 237), (std::vector<long long>{1, 2, 3, 1}));
  // dx (n, h, w, c) at ((n·H + h)·W + w)·C + c: (1, 4, 6, 2) at ((5 + 4)·7 + 6)·3 + 2 = 209.
  EXPECT_EQ(at(ConvDirection::BackwardData, 209), (std::vector<long long>{1, 4, 6, 2}));
  // dw (k, r, s, c) at ((k·R + r)·S + s)·C + c: (3, 2, 1, 0) at ((9 + 2)·2 + 1)·3 = 69.
  EXPECT_EQ(at(ConvDirection::BackwardFilter, 69), (std::vector<long long>{3, 2, 1, 0}));
}

TEST(ConvProblemRoles, OutputAndInputsPerDirection) {
  auto pb = problem_of(256, 64, 56, 56, 128, 3, 3, 1, 2, 1);  // P = Q = 28
  EXPECT_EQ(pb.output_role(), ConvRole::Y);
  EXPECT_EQ(pb.output_elements(), 256u * 128 * 28 * 28);
  EXPECT_EQ(pb.terms_per_output(), 64u * 9);
  EXPECT_EQ(first_input(pb.direction), ConvRole::X);
  EXPECT_EQ(second_input(pb.direction), ConvRole::W);
  pb.direction = ConvDirection::BackwardData;
  EXPECT_EQ(pb.output_role(), ConvRole::X);
  EXPECT_EQ(pb.output_elements(), 256u * 64 * 56 * 56);
  EXPECT_EQ(pb.terms_per_output(), 128u * 9);
  EXPECT_EQ(first_input(pb.direction), ConvRole::Y);
  EXPECT_EQ(second_input(pb.direction), ConvRole::W);
  pb.direction = ConvDirection::BackwardFilter;
  EXPECT_EQ(pb.output_role(), ConvRole::W);
  EXPECT_EQ(pb.output_elements(), 128u * 64 * 9);
  EXPECT_EQ(pb.terms_per_output(), 256u * 28 * 28);
  EXPECT_EQ(first_input(pb.direction), ConvRole::X);
  EXPECT_EQ(second_input(pb.direction), ConvRole::Y);
  EXPECT_STREQ(name_of(ConvDirection::BackwardFilter), "backward_filter");
}

TEST(ConvReferenceSamples, BoundedByOutputsAndByTheReferencesWork) {
  // Forward and backward_data sums are short: 65536 samples, or every output of a small tensor.
  auto pb = problem_of(256, 64, 56, 56, 64, 3, 3, 1, 1, 1);
  EXPECT_EQ(reference_samples(pb), kMaxSamples);
  pb.direction = ConvDirection::BackwardData;
  EXPECT_EQ(reference_samples(pb), kMaxSamples);
  EXPECT_EQ(reference_samples(problem_of(2, 3, 5, 5, 4, 3, 3, 1, 1, 1)), 2u * 4 * 25);
  // backward_filter at 56x56, batch 256: 802,816 products per dw element; 2^34 / 802,816 = 21,399 of 36,864.
  pb.direction = ConvDirection::BackwardFilter;
  EXPECT_EQ(reference_samples(pb), (std::uint64_t{1} << 34) / 802816);
  // conv1 (3.2 million products each): 2^34 / 3,211,264 = 5349 of its 9408; at batch 1024 (12.8 million each)
  // the floor of 4096.
  auto conv1 = problem_of(256, 3, 224, 224, 64, 7, 7, 3, 2, 1);
  conv1.direction = ConvDirection::BackwardFilter;
  EXPECT_EQ(conv1.terms_per_output(), 256u * 112 * 112);
  EXPECT_EQ(reference_samples(conv1), 5349u);
  conv1.n = 1024;
  EXPECT_EQ(reference_samples(conv1), kMinSamples);
  // A 1x1 64->64 dw has 4096 elements: every one.
  auto small = problem_of(256, 64, 56, 56, 64, 1, 1, 0, 1, 1);
  small.direction = ConvDirection::BackwardFilter;
  EXPECT_EQ(reference_samples(small), 4096u);
  // 512 channels at 7x7: short sums, the usual 65536 of 2.4 million.
  auto deep = problem_of(256, 512, 7, 7, 512, 3, 3, 1, 1, 1);
  deep.direction = ConvDirection::BackwardFilter;
  EXPECT_EQ(reference_samples(deep), kMaxSamples);
}

nlohmann::json params(const std::string& direction) {
  nlohmann::json p{
      {"precision", "fp16"}, {"n", 2}, {"c", 3}, {"h", 9}, {"w", 9}, {"k", 4}, {"r", 3}, {"s", 3}, {"pad", 1},
      {"stride", 2}};
  if (!direction.empty()) p["direction"] = direction;
  return p;
}

TEST(ConvParams, DirectionDefaultsToForward) {
  EXPECT_EQ(parse_conv_params(params("")).direction, ConvDirection::Forward);
  EXPECT_EQ(parse_conv_params(params("forward")).direction, ConvDirection::Forward);
  EXPECT_EQ(parse_conv_params(params("backward_data")).direction, ConvDirection::BackwardData);
  const auto p = parse_conv_params(params("backward_filter"));
  EXPECT_EQ(p.direction, ConvDirection::BackwardFilter);
  EXPECT_EQ(p.precision, ConvPrecision::Fp16);
  EXPECT_EQ(p.stride, 2);
  EXPECT_EQ(p.dilation, 1);
  EXPECT_EQ(p.p(), 5);
}

void expect_invalid(const nlohmann::json& p, const std::string& what) {
  try {
    parse_conv_params(p);
    ADD_FAILURE() << "accepted " << p.dump();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(ConvParams, RefusesBadInputNamingIt) {
  expect_invalid(params("backward"),
                 "conv: unknown direction 'backward' (expected forward, backward_data or backward_filter)");
  expect_invalid(params("grad_weight"), "unknown direction 'grad_weight'");
  auto numeric = params("");
  numeric["direction"] = 1;
  expect_invalid(numeric, "unknown direction 1 (expected");
  auto precision = params("backward_data");
  precision["precision"] = "fp64";
  expect_invalid(precision, "unknown precision 'fp64'");
  auto missing = params("backward_filter");
  missing.erase("k");
  expect_invalid(missing, "conv: params.k is missing");
  auto empty = params("backward_data");
  empty["r"] = 13;  // spans 13 > 9 + 2
  expect_invalid(empty, "the output is empty");
  expect_invalid(nlohmann::json::array(), "params must be an object");
}

}  // namespace
}  // namespace gpucert::kernels::conv

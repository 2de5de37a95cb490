// GPU tests of the conv workload (kernels/conv, linked as gpucert_conv_impl): small convolutions in each direction
// (forward, backward_data, backward_filter) through run_conv, as the worker runs them, each verified against the
// fp64 reference; and the verification itself shown to fail wrong gradients. Without a GPU the binary exits with
// ctest's skip code after saying why.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include "common/cuda_check.hpp"
#include "common/device_resources.hpp"
#include "conv.hpp"
#include "conv_graph.hpp"
#include "conv_params.hpp"
#include "conv_tensors.hpp"
#include "core/tolerance.hpp"
#include "cudnn_check.hpp"
#include "reference_terms.hpp"
#include "verify.hpp"

namespace gpucert {
namespace {

using kernels::conv::ConvDirection;
using kernels::conv::ConvProblem;

struct Shape {
  const char* name;
  int n, c, h, w, k, r, s, pad, stride, dilation;
};

void PrintTo(const Shape& shape, std::ostream* out) { *out << shape.name; }

// Small enough that every output is checked; channel counts that tensor-core engines take.
constexpr Shape k3x3{"3x3", 2, 16, 14, 14, 32, 3, 3, 1, 1, 1};
// ResNet's downsampling 3x3 (stride 2, pad 1) on an odd input: the stride skips taps of every dx element.
constexpr Shape k3x3Stride2{"3x3s2", 2, 16, 15, 15, 32, 3, 3, 1, 2, 1};
// conv1's 7x7, stride 2, pad 3, on 16 channels (backward_data) and on conv1's own 3 (below).
constexpr Shape k7x7Stride2{"7x7s2p3", 2, 16, 23, 23, 16, 7, 7, 3, 2, 1};
constexpr Shape kConv1{"conv1", 4, 3, 32, 32, 16, 7, 7, 3, 2, 1};
// Dilated, strided and padded at once.
constexpr Shape kDilated{"3x3s2d2", 2, 8, 17, 17, 8, 3, 3, 2, 2, 2};

nlohmann::json params_of(const Shape& s, const std::string& precision, const std::string& direction) {
  nlohmann::json p{{"precision", precision},
                   {"n", s.n},
                   {"c", s.c},
                   {"h", s.h},
                   {"w", s.w},
                   {"k", s.k},
                   {"r", s.r},
                   {"s", s.s},
                   {"pad", s.pad},
                   {"stride", s.stride},
                   {"dilation", s.dilation}};
  if (direction != "forward") p["direction"] = direction;  // as the suite writes forward params: without it
  return p;
}

RunRequest conv_request(const Shape& s, const std::string& precision, const std::string& direction) {
  RunRequest r;
  r.id = "test/conv/" + precision + "/" + direction + "/" + s.name;
  r.workload = "conv";
  r.params = params_of(s, precision, direction);
  r.warmup = 1;
  r.repetitions = 3;
  r.seed = 7;
  return r;
}

using Case = std::tuple<std::string, std::string, Shape>;  // direction, precision, shape

class ConvDirections : public ::testing::TestWithParam<Case> {};

TEST_P(ConvDirections, VerifiesEveryRun) {
  const auto& [direction, precision, shape] = GetParam();
  const auto request = conv_request(shape, precision, direction);
  const ConvProblem problem = kernels::conv::parse_conv_params(request.params);
  const auto reply = kernels::conv::run_conv(request);
  ASSERT_EQ(reply.status, RunStatus::Ok) << reply.message;
  const auto& v = reply.verification;
  EXPECT_TRUE(v.passed);
  EXPECT_EQ(v.mismatches, 0u);
  EXPECT_EQ(v.tolerance, relative_error_limit(precision));
  EXPECT_LE(v.max_rel_error, v.tolerance);
  EXPECT_EQ(reply.samples_s.size(), 3u);
  for (double s : reply.samples_s) EXPECT_GT(s, 0.0);
  // Small outputs: every element of dx, dw or y checked, in the warm-up run and the three timed ones.
  const std::uint64_t outputs = problem.output_elements();
  EXPECT_EQ(reply.details.value("checked_per_run", std::uint64_t{0}), outputs);
  EXPECT_EQ(v.checked, 4 * outputs);
  EXPECT_EQ(reply.details.value("nonfinite_outputs", std::uint64_t{1}), 0u);
  EXPECT_EQ(reply.details.value("direction", std::string()), direction);
  EXPECT_FALSE(reply.details.value("engine", std::string()).empty());
  EXPECT_GE(reply.details.value("plans_tried", std::size_t{0}), 1u);
  EXPECT_TRUE(reply.details.contains(direction == "forward" ? "output_nkpq" : "dy_nkpq")) << reply.details.dump();
  const char* method = direction == "forward"         ? "fp64 direct convolution"
                       : direction == "backward_data" ? "backward-data convolution (dx)"
                                                      : "backward-filter convolution (dw)";
  EXPECT_NE(v.method.find(method), std::string::npos) << v.method;
  EXPECT_NE(v.method.find("every output"), std::string::npos) << v.method;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::get<0>(info.param) + "_" + std::get<1>(info.param) + "_" + std::get<2>(info.param).name;
}

INSTANTIATE_TEST_SUITE_P(Fp32AndFp16, ConvDirections,
                         ::testing::Combine(::testing::Values("forward", "backward_data", "backward_filter"),
                                            ::testing::Values("fp32", "fp16"),
                                            ::testing::Values(k3x3, k3x3Stride2, k7x7Stride2)),
                         case_name);

INSTANTIATE_TEST_SUITE_P(Tf32AndBf16, ConvDirections,
                         ::testing::Combine(::testing::Values("forward", "backward_data", "backward_filter"),
                                            ::testing::Values("tf32", "bf16"), ::testing::Values(k3x3Stride2)),
                         case_name);

// ResNet-50's conv1 has 3 input channels: its filter gradient is measured (certify lists it), its input gradient
// is not (no network needs the gradient of its images).
INSTANTIATE_TEST_SUITE_P(Conv1, ConvDirections,
                         ::testing::Combine(::testing::Values("forward", "backward_filter"),
                                            ::testing::Values("fp32", "fp16", "bf16"), ::testing::Values(kConv1)),
                         case_name);

INSTANTIATE_TEST_SUITE_P(Dilated, ConvDirections,
                         ::testing::Combine(::testing::Values("forward", "backward_data", "backward_filter"),
                                            ::testing::Values("fp32"), ::testing::Values(kDilated)),
                         case_name);

TEST(ConvParams, UnknownDirectionIsAnErrorNamingIt) {
  auto request = conv_request(k3x3, "fp32", "forward");
  request.params["direction"] = "backward";
  const auto reply = kernels::conv::run_conv(request);
  EXPECT_EQ(reply.status, RunStatus::Error);
  EXPECT_NE(reply.message.find("unknown direction 'backward'"), std::string::npos) << reply.message;
}

// One cuDNN gradient, computed by its first plan, then checked as it is and as each way of being wrong would
// leave it. The verifier's figure is the relative Frobenius error over every output (these outputs are small).
class WrongGradient : public ::testing::TestWithParam<std::tuple<std::string, Shape>> {
 protected:
  void SetUp() override {
    const auto& [direction, shape] = GetParam();
    problem_ = kernels::conv::parse_conv_params(params_of(shape, "fp32", direction));
    tensors_ = std::make_unique<kernels::conv::ConvTensors>(problem_, kSeed, stream_.get());
    kernels::conv::CudnnHandle handle(stream_.get());
    kernels::conv::ConvPlans plans(handle.get(), problem_, std::int64_t{1} << 30, 4);
    kernels::DeviceMemory workspace(static_cast<std::size_t>(plans.info(0).workspace_bytes));
    tensors_->poison_output(stream_.get());
    ASSERT_EQ(plans.execute(0, tensors_->x(), tensors_->w(), tensors_->y(), workspace.get()), "");
    GPUCERT_CUDA_TRY(cudaStreamSynchronize(stream_.get()));
    verifier_ = std::make_unique<kernels::conv::ConvVerifier>(problem_, tensors_->x(), tensors_->w(), tensors_->y(),
                                                              kSeed, limit_, kernels::conv::reference_samples(problem_),
                                                              stream_.get());
    ASSERT_TRUE(verifier_->every_element());
    correct_.resize(problem_.output_elements());
    GPUCERT_CUDA_TRY(
        cudaMemcpy(correct_.data(), tensors_->output(), correct_.size() * sizeof(float), cudaMemcpyDeviceToHost));
  }

  // The verifier's check of the correct output changed by `change`.
  kernels::conv::RunCheck check_with(const std::function<void(std::vector<float>&)>& change) {
    std::vector<float> values = correct_;
    change(values);
    GPUCERT_CUDA_TRY(
        cudaMemcpy(tensors_->output(), values.data(), values.size() * sizeof(float), cudaMemcpyHostToDevice));
    // From pageable memory cudaMemcpy may return before the copy lands, and stream_ does not wait for the
    // legacy stream: wait for the device before the check reads the output.
    GPUCERT_CUDA_TRY(cudaDeviceSynchronize());
    return verifier_->check(tensors_->output(), stream_.get());
  }

  static constexpr std::uint64_t kSeed = 11;
  const double limit_ = relative_error_limit("fp32");
  kernels::OwnedStream stream_;
  ConvProblem problem_;
  std::unique_ptr<kernels::conv::ConvTensors> tensors_;
  std::unique_ptr<kernels::conv::ConvVerifier> verifier_;
  std::vector<float> correct_;
};

std::string gradient_case_name(const ::testing::TestParamInfo<std::tuple<std::string, Shape>>& info) {
  return std::get<0>(info.param) + "_" + std::get<1>(info.param).name;
}

TEST_P(WrongGradient, PassesCuDnnsOwnAndFailsEachWrongOne) {
  const auto rms = verifier_->reference_rms();
  ASSERT_GT(rms, 0.0);
  const auto right = check_with([](std::vector<float>&) {});
  EXPECT_LE(right.relative_error, limit_);
  EXPECT_EQ(right.mismatches, 0u);
  EXPECT_EQ(right.checked, problem_.output_elements());

  // Every element off by 1e-3 relative, TF32's order of error: ten times the fp32 limit.
  const auto scaled = check_with([](std::vector<float>& v) {
    for (float& x : v) x *= 1.001f;
  });
  EXPECT_GT(scaled.relative_error, 5 * limit_);
  EXPECT_GE(scaled.mismatches, 1u);

  // One element far off (100 times the reference's rms) among thousands.
  const auto one = check_with([&](std::vector<float>& v) { v[v.size() / 3] += static_cast<float>(100 * rms); });
  EXPECT_GT(one.relative_error, limit_);
  EXPECT_GE(one.mismatches, 1u);

  // One element not a number.
  const auto nan = check_with([](std::vector<float>& v) { v[7] = std::numeric_limits<float>::quiet_NaN(); });
  EXPECT_EQ(nan.nonfinite, 1u);
  EXPECT_GE(nan.mismatches, 1u);

  // Every other output row of dx, or every other filter row of dw, left at zero: the gradient of a stride the
  // kernel got wrong.
  const auto rows = check_with([&](std::vector<float>& v) {
    // The row index's stride in the output's layout: dx NHWC, W·C per row; dw KRSC, S·C per filter row.
    const std::size_t row = static_cast<std::size_t>(
        problem_.direction == ConvDirection::BackwardData ? problem_.w * problem_.c : problem_.s * problem_.c);
    for (std::size_t i = 0; i < v.size(); ++i)
      if ((i / row) % 2 == 1) v[i] = 0;
  });
  EXPECT_GT(rows.relative_error, 0.1);
  EXPECT_GE(rows.mismatches, 1u);

  // The output never written: the poison (NaN) everywhere.
  tensors_->poison_output(stream_.get());
  const auto unwritten = verifier_->check(tensors_->output(), stream_.get());
  EXPECT_EQ(unwritten.nonfinite, problem_.output_elements());
  EXPECT_GE(unwritten.mismatches, problem_.output_elements());
}

INSTANTIATE_TEST_SUITE_P(Gradients, WrongGradient,
                         ::testing::Combine(::testing::Values("backward_data", "backward_filter"),
                                            ::testing::Values(k3x3, k3x3Stride2, k7x7Stride2)),
                         gradient_case_name);

}  // namespace
}  // namespace gpucert

int main(int argc, char** argv) {
  int count = 0;
  bool listing = false;  // --gtest_list_tests names the tests without running them, GPU or not
  for (int i = 1; i < argc; ++i) listing = listing || std::string(argv[i]) == "--gtest_list_tests";
  if (const auto status = listing ? cudaSuccess : cudaGetDeviceCount(&count);
      !listing && (status != cudaSuccess || count == 0)) {
    std::printf("SKIPPED: no usable CUDA device (%s): GPU tests need a GPU\n",
                status != cudaSuccess ? cudaGetErrorName(status) : "0 devices");
    return 77;  // ctest SKIP_RETURN_CODE
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

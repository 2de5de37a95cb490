// gemm in core: the flop formulas (gemm and convolution), the error limits per precision, and the
// validation and expansion of gemm suite items.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "core/flops.hpp"
#include "core/suite.hpp"
#include "core/tolerance.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

TEST(GemmFlops, CountsTwoOperationsPerMultiplyAdd) {
  EXPECT_EQ(gemm_flops(1, 1, 1), 2u);
  EXPECT_EQ(gemm_flops(8192, 8192, 8192), 1099511627776u);  // 2^41
  EXPECT_EQ(gemm_flops(16384, 4096, 4096), 549755813888u);
  EXPECT_EQ(gemm_flops(16384, 16, 4096), 2147483648u);
  EXPECT_EQ(gemm_flops(2, 3, 5), gemm_flops(5, 3, 2));
}

TEST(GemmFlops, RefusesCountsBeyond64Bits) {
  EXPECT_EQ(gemm_flops(65536, 65536, 65536), 562949953421312u);  // the suite's largest shape, 2^49
  EXPECT_THROW(gemm_flops(1ull << 31, 1ull << 31, 1ull << 31), std::overflow_error);
}

TEST(ConvFlops, OutputSizeFollowsCudnn) {
  EXPECT_EQ(conv_output_size(224, 7, 3, 2, 1), 112u);  // ResNet-50 conv1
  EXPECT_EQ(conv_output_size(56, 3, 1, 1, 1), 56u);    // "same" 3x3
  EXPECT_EQ(conv_output_size(56, 1, 0, 2, 1), 28u);    // 1x1 stride-2 projection shortcut
  EXPECT_EQ(conv_output_size(32, 3, 2, 1, 2), 32u);    // dilation 2 spans 5 taps; pad 2 keeps the size
  EXPECT_EQ(conv_output_size(7, 7, 0, 1, 1), 1u);      // the filter exactly covers the input
}

TEST(ConvFlops, RefusesImpossibleGeometry) {
  EXPECT_THROW(conv_output_size(5, 7, 0, 1, 1), std::invalid_argument);  // filter wider than the input
  EXPECT_THROW(conv_output_size(8, 3, 0, 1, 4), std::invalid_argument);  // dilation 4 spans 9 taps > 8
  EXPECT_EQ(conv_output_size(8, 3, 1, 1, 4), 2u);                        // pad 1 makes room: 10 − 9 + 1
}

TEST(ConvFlops, ResNet50Layers) {
  // conv1: 1×3×224×224 input, 64 filters of 7×7, stride 2, pad 3: 112×112 outputs, each 3·7·7 = 147 MACs:
  // 64·112·112·147 = 118,013,952 multiply-adds (the 118 M MACs usually quoted), 236,027,904 flop.
  EXPECT_EQ(conv_forward_flops(1, 3, 224, 224, 64, 7, 7, 3, 2, 1), 236027904u);
  // conv2_x 3×3: batch 32, 64→64 channels on 56×56, pad 1: 2·32·64·56·56·64·9.
  EXPECT_EQ(conv_forward_flops(32, 64, 56, 56, 64, 3, 3, 1, 1, 1), 7398752256u);
  // conv3_1 3×3 stride 2: 128→128 channels, 56×56 → 28×28: 2·128·28·28·128·9 = 231,211,008.
  EXPECT_EQ(conv_forward_flops(1, 128, 56, 56, 128, 3, 3, 1, 2, 1), 231211008u);
}

TEST(ConvFlops, RefusesZeroStrideOrDilation) {
  EXPECT_THROW(conv_forward_flops(1, 3, 224, 224, 64, 7, 7, 3, 0, 1), std::invalid_argument);
  EXPECT_THROW(conv_forward_flops(1, 3, 224, 224, 64, 7, 7, 3, 1, 0), std::invalid_argument);
  EXPECT_THROW(conv_forward_flops(1, 3, 4, 4, 64, 7, 7, 0, 1, 1), std::invalid_argument);
}

TEST(ToleranceLimits, EveryPrecisionHasItsLimit) {
  EXPECT_DOUBLE_EQ(relative_error_limit("fp64"), 1e-12);
  EXPECT_DOUBLE_EQ(relative_error_limit("fp32"), 1e-4);
  EXPECT_DOUBLE_EQ(relative_error_limit("tf32"), 5e-3);
  EXPECT_DOUBLE_EQ(relative_error_limit("fp16"), 5e-3);
  EXPECT_DOUBLE_EQ(relative_error_limit("bf16"), 1e-2);
  EXPECT_DOUBLE_EQ(relative_error_limit("fp8"), 2e-2);
}

TEST(ToleranceLimits, OrderedByPrecision) {
  const auto limit = relative_error_limit;
  EXPECT_LT(limit("fp64"), limit("fp32"));
  EXPECT_LT(limit("fp32"), limit("tf32"));
  EXPECT_LE(limit("tf32"), limit("bf16"));
  EXPECT_LE(limit("fp16"), limit("bf16"));
  EXPECT_LT(limit("bf16"), limit("fp8"));
  // TF32's typical error (~3e-4) must fail the fp32 limit, or a silent TF32 substitution would pass.
  EXPECT_LT(limit("fp32"), 3e-4);
}

TEST(ToleranceLimits, RefusesUnknownPrecision) {
  for (const char* name : {"", "fp12", "FP32", "int8", "e4m3"}) {
    try {
      relative_error_limit(name);
      ADD_FAILURE() << "accepted '" << name << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("'" + std::string(name) + "'"), std::string::npos) << e.what();
    }
  }
}

std::string suite_with(const std::string& item) {
  return R"({"schema_version": 1, "name": "t", "items": [)" + item + "]}";
}

TEST(GemmSuite, ExpandsPrecisionsTimesShapes) {
  auto suite = parse_suite(suite_with(R"({"workload": "gemm", "precisions": ["bf16", "fp64"],
                     "shapes": [[8192, 8192, 8192], [16384, 16, 4096]], "repetitions": 7})"),
                           "test");
  ASSERT_TRUE(suite.ok()) << suite.error().describe();
  ASSERT_EQ(suite->plan.size(), 4u);
  EXPECT_EQ(suite->plan[0].id, "gemm/bf16/8192x8192x8192");
  EXPECT_EQ(suite->plan[1].id, "gemm/bf16/16384x16x4096");
  EXPECT_EQ(suite->plan[2].id, "gemm/fp64/8192x8192x8192");
  EXPECT_EQ(suite->plan[3].id, "gemm/fp64/16384x16x4096");
  const auto& m = suite->plan[1];
  EXPECT_EQ(m.workload, "gemm");
  EXPECT_EQ(m.metric, Metric::Throughput);
  EXPECT_EQ(m.work, 2147483648u);
  EXPECT_EQ(m.repetitions, 7);
  EXPECT_EQ(m.params, (nlohmann::json{{"precision", "bf16"}, {"m", 16384}, {"n", 16}, {"k", 4096}}));
}

TEST(GemmSuite, DefaultsToAllPrecisionsAt8192Cubed) {
  auto suite = parse_suite(suite_with(R"({"workload": "gemm"})"), "test");
  ASSERT_TRUE(suite.ok()) << suite.error().describe();
  const auto ids = testing_helpers::plan_ids(suite->plan);
  EXPECT_EQ(ids, (std::vector<std::string>{"gemm/fp64/8192x8192x8192", "gemm/fp32/8192x8192x8192",
                                           "gemm/tf32/8192x8192x8192", "gemm/fp16/8192x8192x8192",
                                           "gemm/bf16/8192x8192x8192", "gemm/fp8/8192x8192x8192"}));
  for (const auto& m : suite->plan) EXPECT_EQ(m.work, 1099511627776u);
}

// The suite must be refused, and the message must name `path` and contain `what`.
void expect_refused(const std::string& item, const std::string& path, const std::string& what) {
  auto suite = parse_suite(suite_with(item), "bad.json");
  ASSERT_FALSE(suite.ok()) << item;
  const auto& message = suite.error().message;
  EXPECT_NE(message.find("bad.json: " + path + ": "), std::string::npos) << message;
  EXPECT_NE(message.find(what), std::string::npos) << message;
}

TEST(GemmSuite, RefusesBadPrecision) {
  expect_refused(R"({"workload": "gemm", "precisions": ["fp16", "fp12"]})", "items[0].precisions[1]",
                 "unknown precision 'fp12'");
  expect_refused(R"({"workload": "gemm", "precisions": ["fp8", "fp8"]})", "items[0].precisions[1]", "twice");
  expect_refused(R"({"workload": "gemm", "precisions": []})", "items[0].precisions", "non-empty array");
}

TEST(GemmSuite, RefusesShapesThatAreNotThreeNumbers) {
  expect_refused(R"({"workload": "gemm", "shapes": [[64, 64, 64], [64, 64]]})", "items[0].shapes[1]", "[M, N, K]");
  expect_refused(R"({"workload": "gemm", "shapes": [[64, 64, 64, 64]]})", "items[0].shapes[0]", "[M, N, K]");
  expect_refused(R"({"workload": "gemm", "shapes": [64, 64, 64]})", "items[0].shapes[0]", "[M, N, K]");
  expect_refused(R"({"workload": "gemm", "shapes": [8192, 8192, 8192]})", "items[0].shapes[1]", "[M, N, K]");
  expect_refused(R"({"workload": "gemm", "shapes": []})", "items[0].shapes", "non-empty array");
  expect_refused(R"({"workload": "gemm", "shapes": "8192x8192x8192"})", "items[0].shapes", "non-empty array");
}

TEST(GemmSuite, RefusesDimensionsOutOfRange) {
  expect_refused(R"({"workload": "gemm", "shapes": [[64, 64, 64], [0, 64, 64]]})", "items[0].shapes[1][0]",
                 "expected M as a whole number between 1 and 65536, got 0");
  expect_refused(R"({"workload": "gemm", "shapes": [[64, -3, 64]]})", "items[0].shapes[0][1]",
                 "expected N as a whole number between 1 and 65536, got -3");
  expect_refused(R"({"workload": "gemm", "shapes": [[64, 64, 65537]]})", "items[0].shapes[0][2]", "got 65537");
  expect_refused(R"({"workload": "gemm", "shapes": [[64, 64, 18446744073709551615]]})", "items[0].shapes[0][2]",
                 "between 1 and 65536");
}

TEST(GemmSuite, RefusesNonIntegerDimensions) {
  expect_refused(R"({"workload": "gemm", "shapes": [[4096.5, 64, 64]]})", "items[0].shapes[0][0]",
                 "a number with a fraction");
  expect_refused(R"({"workload": "gemm", "shapes": [[64, "64", 64]]})", "items[0].shapes[0][1]", "a string");
  expect_refused(R"({"workload": "gemm", "shapes": [[64, 64, null]]})", "items[0].shapes[0][2]", "null");
}

TEST(GemmSuite, RefusesRepeatedShapesAndUnknownFields) {
  expect_refused(R"({"workload": "gemm", "shapes": [[64, 64, 64], [64, 64, 64]]})", "items[0].shapes[1]",
                 "listed twice");
  expect_refused(R"({"workload": "gemm", "shape": [[64, 64, 64]]})", "items[0].shape", "unknown field");
}

TEST(GemmSuite, ReportsEveryProblemAtOnce) {
  auto suite = parse_suite(
      suite_with(R"({"workload": "gemm", "precisions": ["fp4"], "shapes": [[0, 64, 64], [64, 64]]})"), "bad.json");
  ASSERT_FALSE(suite.ok());
  const auto& message = suite.error().message;
  EXPECT_NE(message.find("items[0].precisions[0]"), std::string::npos) << message;
  EXPECT_NE(message.find("items[0].shapes[0][0]"), std::string::npos) << message;
  EXPECT_NE(message.find("items[0].shapes[1]"), std::string::npos) << message;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(GemmSuite, ShippedSuitesMeasureEveryPrecision) {
  for (const char* name : {"quick", "certify", "acceptance"}) {
    const std::string path = std::string(GPUCERT_SOURCE_DIR) + "/suites/" + name + ".json";
    auto suite = parse_suite(read_file(path), path);
    ASSERT_TRUE(suite.ok()) << suite.error().describe();
    for (const char* precision : {"fp64", "fp32", "tf32", "fp16", "bf16", "fp8"}) {
      const std::string prefix = std::string("gemm/") + precision + "/";
      const bool found = std::any_of(suite->plan.begin(), suite->plan.end(),
                                     [&](const Measurement& m) { return m.id.rfind(prefix, 0) == 0; });
      EXPECT_TRUE(found) << name << " has no " << prefix;
    }
  }
}

}  // namespace
}  // namespace gpucert

// conv in core: the convolution flop count on ResNet-50's layers (worked out by hand below), the output
// size formula, and the validation and expansion of conv suite items.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/flops.hpp"
#include "core/suite.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

TEST(ConvOutputSize, PadStrideAndDilation) {
  // out = (in + 2·pad − dilation·(filter − 1) − 1) / stride + 1
  EXPECT_EQ(conv_output_size(224, 7, 3, 2, 1), 112u);  // (224 + 6 − 6 − 1) / 2 + 1 = 111 + 1
  EXPECT_EQ(conv_output_size(56, 3, 1, 2, 1), 28u);    // (56 + 2 − 2 − 1) / 2 + 1 = 27 + 1
  EXPECT_EQ(conv_output_size(56, 1, 0, 1, 1), 56u);    // a 1x1 filter keeps the size
  EXPECT_EQ(conv_output_size(10, 3, 0, 3, 1), 3u);     // (10 − 3) / 3 + 1, the remainder is dropped
  EXPECT_EQ(conv_output_size(14, 3, 2, 1, 2), 14u);    // dilation 2: a 3-tap filter spans 5, pad 2 keeps 14
  EXPECT_EQ(conv_output_size(7, 3, 0, 1, 3), 1u);      // dilation 3 spans 7: exactly one position
}

TEST(ConvFlops, ResNet50LayersAtBatch256) {
  // 2·N·K·P·Q·C·R·S, each worked out by hand:
  // conv1 7x7/2, 3→64 at 224: P = Q = 112; 2·256·64·112·112·3·49 = 2·256·64·12544·147.
  EXPECT_EQ(conv_forward_flops(256, 3, 224, 224, 64, 7, 7, 3, 2, 1), 60423143424u);
  // 1x1 64→64 at 56: 2·256·64·3136·64 = 6,576,668,672.
  EXPECT_EQ(conv_forward_flops(256, 64, 56, 56, 64, 1, 1, 0, 1, 1), 6576668672u);
  // 3x3 64→64 at 56, pad 1 (the shape compared with PyTorch): nine times the 1x1.
  EXPECT_EQ(conv_forward_flops(256, 64, 56, 56, 64, 3, 3, 1, 1, 1), 59190018048u);
  // Each later stage halves H and W and doubles C and K: the flop count stays the same.
  EXPECT_EQ(conv_forward_flops(256, 128, 28, 28, 128, 3, 3, 1, 1, 1), 59190018048u);
  EXPECT_EQ(conv_forward_flops(256, 256, 14, 14, 256, 3, 3, 1, 1, 1), 59190018048u);
  EXPECT_EQ(conv_forward_flops(256, 512, 7, 7, 512, 3, 3, 1, 1, 1), 59190018048u);
  // 1x1 256→64 at 56 (a bottleneck's reduction): four times the 64→64 1x1.
  EXPECT_EQ(conv_forward_flops(256, 256, 56, 56, 64, 1, 1, 0, 1, 1), 26306674688u);
  // Padding taps count (as cuDNN and PyTorch count them): 2·2·4·9·9·8·9 with a dilated, padded 3x3.
  EXPECT_EQ(conv_forward_flops(2, 8, 9, 9, 4, 3, 3, 2, 1, 2), 93312u);
}

std::string suite_with(const std::string& item) {
  return R"({"schema_version": 1, "name": "t", "items": [)" + item + "]}";
}

// The suite must be refused, and the message must name `path` and contain `what`.
void expect_refused(const std::string& item, const std::string& path, const std::string& what) {
  auto suite = parse_suite(suite_with(item), "bad.json");
  ASSERT_FALSE(suite.ok()) << item;
  const auto& message = suite.error().message;
  EXPECT_NE(message.find("bad.json: " + path + ": "), std::string::npos) << message;
  EXPECT_NE(message.find(what), std::string::npos) << message;
}

TEST(ConvSuite, ExpandsPrecisionsTimesShapes) {
  auto suite = parse_suite(suite_with(R"({"workload": "conv", "precisions": ["fp16", "tf32"], "repetitions": 9,
      "shapes": [{"n": 256, "c": 64, "h": 56, "w": 56, "k": 64, "r": 3, "s": 3, "pad": 1},
                 {"n": 256, "c": 3, "h": 224, "w": 224, "k": 64, "r": 7, "s": 7, "pad": 3, "stride": 2}]})"),
                           "test");
  ASSERT_TRUE(suite.ok()) << suite.error().describe();
  const auto ids = testing_helpers::plan_ids(suite->plan);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"conv/fp16/n256c64h56w56k64r3s3p1u1", "conv/fp16/n256c3h224w224k64r7s7p3u2",
                                      "conv/tf32/n256c64h56w56k64r3s3p1u1", "conv/tf32/n256c3h224w224k64r7s7p3u2"}));
  const auto& m = suite->plan[1];
  EXPECT_EQ(m.workload, "conv");
  EXPECT_EQ(m.metric, Metric::Throughput);
  EXPECT_EQ(m.work, 60423143424u);
  EXPECT_EQ(m.repetitions, 9);
  EXPECT_EQ(m.params, (nlohmann::json{{"precision", "fp16"},
                                      {"n", 256},
                                      {"c", 3},
                                      {"h", 224},
                                      {"w", 224},
                                      {"k", 64},
                                      {"r", 7},
                                      {"s", 7},
                                      {"pad", 3},
                                      {"stride", 2},
                                      {"dilation", 1}}));
  EXPECT_EQ(suite->plan[0].work, 59190018048u);
}

TEST(ConvSuite, DefaultsToEveryPrecisionAndTheComparedShape) {
  auto suite = parse_suite(suite_with(R"({"workload": "conv"})"), "test");
  ASSERT_TRUE(suite.ok()) << suite.error().describe();
  const auto ids = testing_helpers::plan_ids(suite->plan);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"conv/fp32/n256c64h56w56k64r3s3p1u1", "conv/tf32/n256c64h56w56k64r3s3p1u1",
                                      "conv/fp16/n256c64h56w56k64r3s3p1u1", "conv/bf16/n256c64h56w56k64r3s3p1u1"}));
}

TEST(ConvSuite, ExpandsPrecisionsTimesDirectionsTimesShapes) {
  auto suite = parse_suite(suite_with(R"({"workload": "conv", "precisions": ["fp16", "fp32"],
      "directions": ["forward", "backward_data", "backward_filter"],
      "shapes": [{"n": 256, "c": 64, "h": 56, "w": 56, "k": 64, "r": 3, "s": 3, "pad": 1},
                 {"n": 256, "c": 3, "h": 224, "w": 224, "k": 64, "r": 7, "s": 7, "pad": 3, "stride": 2}]})"),
                           "test");
  ASSERT_TRUE(suite.ok()) << suite.error().describe();
  const auto ids = testing_helpers::plan_ids(suite->plan);
  // Precisions outer, then directions, then shapes; forward ids as they always were, backward ones name the
  // direction after the precision.
  EXPECT_EQ(
      ids,
      (std::vector<std::string>{
          "conv/fp16/n256c64h56w56k64r3s3p1u1", "conv/fp16/n256c3h224w224k64r7s7p3u2",
          "conv/fp16/backward_data/n256c64h56w56k64r3s3p1u1", "conv/fp16/backward_data/n256c3h224w224k64r7s7p3u2",
          "conv/fp16/backward_filter/n256c64h56w56k64r3s3p1u1", "conv/fp16/backward_filter/n256c3h224w224k64r7s7p3u2",
          "conv/fp32/n256c64h56w56k64r3s3p1u1", "conv/fp32/n256c3h224w224k64r7s7p3u2",
          "conv/fp32/backward_data/n256c64h56w56k64r3s3p1u1", "conv/fp32/backward_data/n256c3h224w224k64r7s7p3u2",
          "conv/fp32/backward_filter/n256c64h56w56k64r3s3p1u1",
          "conv/fp32/backward_filter/n256c3h224w224k64r7s7p3u2"}));
  // Forward params have no direction (they are what they were); backward ones name it for the worker.
  EXPECT_FALSE(suite->plan[1].params.contains("direction"));
  EXPECT_EQ(suite->plan[3].params, (nlohmann::json{{"precision", "fp16"},
                                                   {"n", 256},
                                                   {"c", 3},
                                                   {"h", 224},
                                                   {"w", 224},
                                                   {"k", 64},
                                                   {"r", 7},
                                                   {"s", 7},
                                                   {"pad", 3},
                                                   {"stride", 2},
                                                   {"dilation", 1},
                                                   {"direction", "backward_data"}}));
  EXPECT_EQ(suite->plan[5].params["direction"], "backward_filter");
  // The same multiply-adds in every direction: 2·N·K·P·Q·C·R·S (conv1's, worked out above).
  for (std::size_t i : {1, 3, 5}) {
    EXPECT_EQ(suite->plan[i].work, 60423143424u) << ids[i];
    EXPECT_EQ(suite->plan[i].metric, Metric::Throughput) << ids[i];
  }
  EXPECT_EQ(suite->plan[2].work, 59190018048u);
  EXPECT_EQ(suite->plan[4].work, 59190018048u);
}

TEST(ConvSuite, DirectionsDefaultToForwardAlone) {
  auto suite = parse_suite(suite_with(R"({"workload": "conv", "precisions": ["bf16"]})"), "test");
  ASSERT_TRUE(suite.ok()) << suite.error().describe();
  ASSERT_EQ(suite->plan.size(), 1u);
  EXPECT_EQ(suite->plan[0].id, "conv/bf16/n256c64h56w56k64r3s3p1u1");
  EXPECT_FALSE(suite->plan[0].params.contains("direction"));
  // Listing forward alone is the same measurement.
  auto listed =
      parse_suite(suite_with(R"({"workload": "conv", "precisions": ["bf16"], "directions": ["forward"]})"), "test");
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  ASSERT_EQ(listed->plan.size(), 1u);
  EXPECT_EQ(listed->plan[0].id, suite->plan[0].id);
  EXPECT_EQ(listed->plan[0].params, suite->plan[0].params);
}

TEST(ConvSuite, RefusesBadDirections) {
  expect_refused(R"({"workload": "conv", "directions": ["forward", "backward"]})", "items[0].directions[1]",
                 "unknown direction 'backward' (expected one of forward, backward_data, backward_filter)");
  expect_refused(R"({"workload": "conv", "directions": ["grad_input"]})", "items[0].directions[0]",
                 "unknown direction 'grad_input'");
  expect_refused(R"({"workload": "conv", "directions": ["backward_filter", "backward_filter"]})",
                 "items[0].directions[1]", "twice");
  expect_refused(R"({"workload": "conv", "directions": []})", "items[0].directions", "non-empty array");
  expect_refused(R"({"workload": "conv", "directions": "backward_data"})", "items[0].directions", "non-empty array");
  expect_refused(R"({"workload": "conv", "direction": ["backward_data"]})", "items[0].direction", "unknown field");
}

// The same measurement listed by two items (here backward_filter of one shape) is refused, as for any workload.
TEST(ConvSuite, RefusesADirectionListedByTwoItems) {
  const std::string shape = R"([{"n": 8, "c": 16, "h": 32, "w": 32, "k": 32, "r": 1, "s": 1}])";
  auto suite = parse_suite(suite_with(R"({"workload": "conv", "directions": ["backward_filter"], "shapes": )" + shape +
                                      R"(}, {"workload": "conv", "directions": ["forward", "backward_filter"],
                                             "shapes": )" +
                                      shape + "}"),
                           "bad.json");
  ASSERT_FALSE(suite.ok());
  EXPECT_NE(suite.error().message.find("conv/fp32/backward_filter/n8c16h32w32k32r1s1p0u1' appears twice"),
            std::string::npos)
      << suite.error().message;
}

TEST(ConvSuite, PadStrideAndDilationHaveDefaults) {
  auto suite = parse_suite(suite_with(R"({"workload": "conv", "precisions": ["bf16"],
      "shapes": [{"n": 8, "c": 16, "h": 32, "w": 32, "k": 32, "r": 1, "s": 1},
                 {"n": 2, "c": 8, "h": 9, "w": 9, "k": 4, "r": 3, "s": 3, "pad": 2, "dilation": 2}]})"),
                           "test");
  ASSERT_TRUE(suite.ok()) << suite.error().describe();
  ASSERT_EQ(suite->plan.size(), 2u);
  EXPECT_EQ(suite->plan[0].id, "conv/bf16/n8c16h32w32k32r1s1p0u1");
  EXPECT_EQ(suite->plan[0].params["pad"], 0);
  EXPECT_EQ(suite->plan[0].params["stride"], 1);
  EXPECT_EQ(suite->plan[0].params["dilation"], 1);
  EXPECT_EQ(suite->plan[1].id, "conv/bf16/n2c8h9w9k4r3s3p2u1d2");  // dilation shows only when not 1
  EXPECT_EQ(suite->plan[1].work, 93312u);
}

TEST(ConvSuite, RefusesBadPrecision) {
  expect_refused(R"({"workload": "conv", "precisions": ["fp16", "fp64"]})", "items[0].precisions[1]",
                 "unknown precision 'fp64'");
  expect_refused(R"({"workload": "conv", "precisions": ["fp8"]})", "items[0].precisions[0]", "unknown precision");
  expect_refused(R"({"workload": "conv", "precisions": ["bf16", "bf16"]})", "items[0].precisions[1]", "twice");
}

TEST(ConvSuite, RefusesEmptyOutputNamingTheShape) {
  // A 7x7 filter on an unpadded 5x5 input, third in the list.
  expect_refused(R"({"workload": "conv", "shapes": [
      {"n": 1, "c": 3, "h": 8, "w": 8, "k": 8, "r": 3, "s": 3},
      {"n": 1, "c": 3, "h": 8, "w": 8, "k": 8, "r": 5, "s": 5},
      {"n": 1, "c": 3, "h": 5, "w": 5, "k": 8, "r": 7, "s": 7}]})",
                 "items[0].shapes[2]", "the output is empty");
  // Dilation 4 makes a 3-tap filter span 9 > 8; only the width is short here.
  expect_refused(R"({"workload": "conv", "shapes": [{"n": 1, "c": 3, "h": 16, "w": 8, "k": 8, "r": 3, "s": 3,
                                                     "dilation": 4}]})",
                 "items[0].shapes[0]", "width spans 9");
}

TEST(ConvSuite, RefusesOutOfRangeFields) {
  expect_refused(R"({"workload": "conv", "shapes": [{"n": 1, "c": 3, "h": 8, "w": 8, "k": 8, "r": 3, "s": 3,
                                                     "pad": -1}]})",
                 "items[0].shapes[0].pad", "between 0 and 1024, got -1");
  expect_refused(R"({"workload": "conv", "shapes": [{"n": 1, "c": 3, "h": 8, "w": 8, "k": 8, "r": 16, "s": 3}]})",
                 "items[0].shapes[0].r", "between 1 and 15, got 16");
  expect_refused(R"({"workload": "conv", "shapes": [{"n": 0, "c": 3, "h": 8, "w": 8, "k": 8, "r": 3, "s": 3}]})",
                 "items[0].shapes[0].n", "got 0");
  expect_refused(R"({"workload": "conv", "shapes": [{"n": 1, "c": 3, "h": 8, "w": 8, "k": 8, "r": 3, "s": 3,
                                                     "stride": 0}]})",
                 "items[0].shapes[0].stride", "got 0");
  expect_refused(R"({"workload": "conv", "shapes": [{"n": 1, "c": 3.5, "h": 8, "w": 8, "k": 8, "r": 3, "s": 3}]})",
                 "items[0].shapes[0].c", "a number with a fraction");
}

TEST(ConvSuite, RefusesUnknownAndMissingFields) {
  expect_refused(R"({"workload": "conv", "shapes": [{"n": 1, "c": 3, "h": 8, "w": 8, "k": 8, "r": 3, "s": 3},
      {"n": 1, "c": 3, "h": 8, "w": 8, "k": 8, "r": 3, "s": 3, "padding": 1}]})",
                 "items[0].shapes[1].padding", "unknown field");
  expect_refused(R"({"workload": "conv", "shapes": [{"n": 1, "c": 3, "h": 8, "w": 8, "r": 3, "s": 3}]})",
                 "items[0].shapes[0].k", "missing");
  expect_refused(R"({"workload": "conv", "shapes": [[1, 3, 8, 8, 8, 3, 3]]})", "items[0].shapes[0]",
                 "expected an object");
  expect_refused(R"({"workload": "conv", "shapes": []})", "items[0].shapes", "non-empty array");
  expect_refused(R"({"workload": "conv", "shape": [{"n": 1}]})", "items[0].shape", "unknown field");
}

TEST(ConvSuite, RefusesRepeatedShapesAndOversizedTensors) {
  expect_refused(R"({"workload": "conv", "shapes": [{"n": 1, "c": 3, "h": 8, "w": 8, "k": 8, "r": 3, "s": 3},
      {"n": 1, "c": 3, "h": 8, "w": 8, "k": 8, "r": 3, "s": 3, "pad": 0}]})",
                 "items[0].shapes[1]", "listed twice");
  // 4096·65536·256·256 input elements, far past any GPU's memory.
  expect_refused(R"({"workload": "conv", "shapes": [{"n": 4096, "c": 65536, "h": 256, "w": 256, "k": 8, "r": 1,
                                                     "s": 1}]})",
                 "items[0].shapes[0]", "more than 2^34");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ConvSuite, ShippedSuitesMeasureEveryPrecision) {
  for (const char* name : {"quick", "certify", "acceptance"}) {
    const std::string path = std::string(GPUCERT_SOURCE_DIR) + "/suites/" + name + ".json";
    auto suite = parse_suite(read_file(path), path);
    ASSERT_TRUE(suite.ok()) << suite.error().describe();
    for (const char* precision : {"fp32", "tf32", "fp16", "bf16"}) {
      const std::string prefix = std::string("conv/") + precision + "/";
      EXPECT_TRUE(std::any_of(suite->plan.begin(), suite->plan.end(),
                              [&](const Measurement& m) { return m.id.rfind(prefix, 0) == 0; }))
          << name << " has no " << prefix;
    }
    if (std::string(name) != "quick") {
      // The layer compared with PyTorch's conv2d.
      EXPECT_TRUE(std::any_of(suite->plan.begin(), suite->plan.end(), [](const Measurement& m) {
        return m.id == "conv/fp16/n256c64h56w56k64r3s3p1u1";
      })) << name;
    }
  }
}

TEST(ConvSuite, CertifyMeasuresTheBackwardPassOfEveryResNetLayerButConv1sInputGradient) {
  const std::string path = std::string(GPUCERT_SOURCE_DIR) + "/suites/certify.json";
  auto suite = parse_suite(read_file(path), path);
  ASSERT_TRUE(suite.ok()) << suite.error().describe();
  std::vector<std::string> ids;
  for (const auto& m : suite->plan)
    if (m.workload == "conv") ids.push_back(m.id);
  const auto has = [&](const std::string& id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); };
  const std::vector<std::string> layers{"n256c64h56w56k64r1s1p0u1",   "n256c64h56w56k64r3s3p1u1",
                                        "n256c256h56w56k64r1s1p0u1",  "n256c128h28w28k128r3s3p1u1",
                                        "n256c256h14w14k256r3s3p1u1", "n256c512h7w7k512r3s3p1u1"};
  const std::string conv1 = "n256c3h224w224k64r7s7p3u2";
  for (const std::string precision : {"fp32", "tf32", "fp16", "bf16"}) {
    for (const auto& layer : layers) {
      EXPECT_TRUE(has("conv/" + precision + "/" + layer)) << precision << " " << layer;
      EXPECT_TRUE(has("conv/" + precision + "/backward_data/" + layer)) << precision << " " << layer;
      EXPECT_TRUE(has("conv/" + precision + "/backward_filter/" + layer)) << precision << " " << layer;
    }
    EXPECT_TRUE(has("conv/" + precision + "/" + conv1)) << precision;
    EXPECT_TRUE(has("conv/" + precision + "/backward_filter/" + conv1)) << precision;
    EXPECT_FALSE(has("conv/" + precision + "/backward_data/" + conv1)) << precision;
  }
  // 4 precisions x (7 forward + 6 backward_data + 7 backward_filter), each once.
  EXPECT_EQ(ids.size(), 4u * (7 + 6 + 7));
}

}  // namespace
}  // namespace gpucert

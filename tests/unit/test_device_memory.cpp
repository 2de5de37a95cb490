// The device memory a measurement needs, counted from its params before anything is allocated, and the
// refusal the worker sends when it cannot fit (docs/RELIABILITY.md).
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/device_memory.hpp"
#include "core/suite.hpp"

namespace gpucert {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = kMiB << 10;

TEST(DeviceMemory, StreamCountsThreeArraysAndNstreamsFourth) {
  const nlohmann::json triad{{"kernel", "triad"}, {"precision", "fp64"}, {"elements", kGiB / 8}};
  EXPECT_EQ(device_bytes_needed("stream", triad), 3 * kGiB + kMiB);
  const nlohmann::json nstream{{"kernel", "nstream"}, {"precision", "fp64"}, {"elements", kGiB / 8}};
  EXPECT_EQ(device_bytes_needed("stream", nstream), 4 * kGiB + kMiB);
  const nlohmann::json fp32{{"kernel", "dot"}, {"precision", "fp32"}, {"elements", kGiB / 8}};
  EXPECT_EQ(device_bytes_needed("stream", fp32), 3 * kGiB / 2 + kMiB);
}

TEST(DeviceMemory, HostCopyCountsWholeWordsAndTheCounter) {
  EXPECT_EQ(device_bytes_needed("host_copy", {{"direction", "h2d"}, {"bytes", 256 * kMiB + 5}}), 256 * kMiB + 8);
}

TEST(DeviceMemory, GemmCountsOperandsWorkspaceAndVerifier) {
  const auto gemm = [](const char* precision) {
    return device_bytes_needed("gemm", {{"precision", precision}, {"m", 8192}, {"n", 8192}, {"k", 8192}});
  };
  const std::uint64_t matrix = 8192ull * 8192;  // elements
  EXPECT_EQ(gemm("fp64"), 3 * matrix * 8 + 65 * kMiB);
  EXPECT_EQ(gemm("tf32"), 3 * matrix * 4 + 65 * kMiB);
  EXPECT_EQ(gemm("bf16"), 3 * matrix * 2 + 65 * kMiB);
  EXPECT_EQ(gemm("fp8"), 2 * matrix + matrix * 2 + 65 * kMiB);  // e4m3 in, bf16 out
  EXPECT_EQ(gemm("fp4"), std::nullopt);
  // M, N and K differ: A is M·K, B K·N, D M·N.
  EXPECT_EQ(device_bytes_needed("gemm", {{"precision", "fp32"}, {"m", 100}, {"n", 200}, {"k", 300}}),
            (100 * 300 + 300 * 200 + 100 * 200) * 4 + 65 * kMiB);
}

TEST(DeviceMemory, ConvCountsInputFilterOutputAndCudnnsReserve) {
  nlohmann::json params{
      {"precision", "fp16"}, {"n", 256},     {"c", 64}, {"h", 56}, {"w", 56}, {"k", 64}, {"r", 3}, {"s", 3}, {"pad", 1},
      {"stride", 1},         {"dilation", 1}};
  const std::uint64_t x = 256ull * 64 * 56 * 56, w = 64ull * 64 * 3 * 3, y = 256ull * 64 * 56 * 56;
  EXPECT_EQ(device_bytes_needed("conv", params), (x + w + y) * 2 + 513 * kMiB);
  // Stride 2 halves the output's height and width: P = Q = (56 + 2 - 2 - 1) / 2 + 1 = 28.
  params["stride"] = 2;
  params["precision"] = "tf32";
  EXPECT_EQ(device_bytes_needed("conv", params), (x + w + 256ull * 64 * 28 * 28) * 4 + 513 * kMiB);
  // A filter that does not fit the padded input has no output size: the kernel reports it.
  params["r"] = 15;
  params["h"] = 4;
  params["pad"] = 0;
  EXPECT_EQ(device_bytes_needed("conv", params), std::nullopt);
}

TEST(DeviceMemory, NcclCountsSendAndReceiveBuffersByRankCount) {
  const nlohmann::json all_reduce{{"collective", "all_reduce"}, {"precision", "fp32"}, {"bytes", 32 * kMiB}};
  EXPECT_EQ(device_bytes_needed("nccl", all_reduce, 8), 64 * kMiB + kMiB);
  // all_gather: each rank sends bytes / nranks and receives all of it.
  nlohmann::json all_gather{{"collective", "all_gather"}, {"precision", "fp32"}, {"bytes", 32 * kMiB}};
  EXPECT_EQ(device_bytes_needed("nccl", all_gather, 8), 4 * kMiB + 32 * kMiB + kMiB);
  all_gather["in_place"] = true;
  EXPECT_EQ(device_bytes_needed("nccl", all_gather, 8), 32 * kMiB + kMiB);
  EXPECT_EQ(device_bytes_needed("nccl", all_reduce, 0), std::nullopt);
}

TEST(DeviceMemory, UnknownWorkloadsAndMalformedParamsHaveNoFigure) {
  EXPECT_EQ(device_bytes_needed("my_plugin", {{"bytes", 1}}), std::nullopt);
  EXPECT_EQ(device_bytes_needed("stream", {{"kernel", "copy"}, {"precision", "fp64"}}), std::nullopt);
  EXPECT_EQ(device_bytes_needed("stream", {{"kernel", "copy"}, {"precision", "fp64"}, {"elements", -1}}), std::nullopt);
  EXPECT_EQ(device_bytes_needed("stream", {{"kernel", "copy"}, {"precision", "int8"}, {"elements", 1}}), std::nullopt);
  EXPECT_EQ(device_bytes_needed("host_copy", nlohmann::json::array()), std::nullopt);
}

TEST(DeviceMemory, ASizePastTwoToTheSixtyFourSaturatesInsteadOfWrapping) {
  const nlohmann::json huge{{"kernel", "copy"}, {"precision", "fp64"}, {"elements", std::uint64_t{1} << 62}};
  EXPECT_EQ(device_bytes_needed("stream", huge), std::numeric_limits<std::uint64_t>::max());
  EXPECT_TRUE(
      device_memory_refusal("stream", std::numeric_limits<std::uint64_t>::max(), 100 * kGiB, 140 * kGiB, "GPU 0")
          .has_value());
}

TEST(DeviceMemory, EveryMeasurementOfTheShippedSuitesHasAFigure) {
  // A param renamed in a workload spec but not here would silently skip the check; this catches it.
  for (const char* name : {"quick", "certify", "perf", "perf-nccl", "acceptance", "sustained"}) {
    const std::string path = std::string(GPUCERT_SOURCE_DIR) + "/suites/" + name + ".json";
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    std::stringstream text;
    text << in.rdbuf();
    auto suite = parse_suite(text.str(), path);
    ASSERT_TRUE(suite) << suite.error().describe();
    ASSERT_FALSE(suite->plan.empty()) << path;
    for (const auto& m : suite->plan) {
      const auto need = device_bytes_needed(m.workload, m.params, 2);
      ASSERT_TRUE(need.has_value()) << m.id << " " << m.params.dump();
      EXPECT_GT(*need, 0u) << m.id;
    }
  }
}

TEST(DeviceMemory, RefusalNamesTheFigureNeededAndTheFigureFree) {
  const std::uint64_t free = 39 * kGiB + 205 * kMiB, total = 139 * kGiB + 820 * kMiB;
  const auto refusal = device_memory_refusal("stream/triad/fp64/16 GiB", 48 * kGiB, free, total, "GPU 0 (NVIDIA H200)");
  ASSERT_TRUE(refusal.has_value());
  EXPECT_NE(refusal->find("stream/triad/fp64/16 GiB needs 48.0 GiB of device memory"), std::string::npos) << *refusal;
  EXPECT_NE(refusal->find("39.2 GiB of 139.8 GiB is free on GPU 0 (NVIDIA H200)"), std::string::npos) << *refusal;
  EXPECT_NE(refusal->find("256.0 MiB kept"), std::string::npos) << *refusal;
}

TEST(DeviceMemory, TheMarginDecidesTheBoundary) {
  const std::uint64_t need = 10 * kGiB;
  EXPECT_EQ(device_memory_refusal("m", need, need + kDeviceMemoryMarginBytes, 80 * kGiB, "GPU 1"), std::nullopt);
  EXPECT_TRUE(device_memory_refusal("m", need, need + kDeviceMemoryMarginBytes - 1, 80 * kGiB, "GPU 1").has_value());
  EXPECT_TRUE(device_memory_refusal("m", need, need, 80 * kGiB, "GPU 1").has_value());
}

TEST(DeviceMemory, FormatsBytesAtTheirScale) {
  EXPECT_EQ(format_memory(100), "100 bytes");
  EXPECT_EQ(format_memory(4096), "4.0 KiB");
  EXPECT_EQ(format_memory(512 * kMiB), "512.0 MiB");
  EXPECT_EQ(format_memory(48 * kGiB), "48.0 GiB");
  EXPECT_EQ(format_memory(3 * (kGiB << 10)), "3.0 TiB");
}

}  // namespace
}  // namespace gpucert

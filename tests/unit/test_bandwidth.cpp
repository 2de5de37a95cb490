// Bandwidth formulas (BabelStream's bytes per kernel, decimal GB/s) and the measurement helpers that turn
// work and time into the figures reports quote.
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "core/bandwidth.hpp"
#include "core/measurement.hpp"

namespace gpucert {
namespace {

constexpr std::uint64_t kElements = 1u << 25;  // 32 Mi elements

TEST(Bandwidth, StreamBytesFollowBabelStream) {
  // arrays x elements x element size, for fp64 (8 bytes) and fp32 (4 bytes).
  struct Case {
    StreamKernel kernel;
    std::uint64_t arrays;
  };
  for (const auto& c : {Case{StreamKernel::Copy, 2}, Case{StreamKernel::Mul, 2}, Case{StreamKernel::Add, 3},
                        Case{StreamKernel::Triad, 3}, Case{StreamKernel::Dot, 2}, Case{StreamKernel::Nstream, 4}}) {
    SCOPED_TRACE(std::string(name_of(c.kernel)));
    EXPECT_EQ(stream_bytes(c.kernel, kElements, 8), c.arrays * kElements * 8);
    EXPECT_EQ(stream_bytes(c.kernel, kElements, 4), c.arrays * kElements * 4);
  }
}

TEST(Bandwidth, StreamBytesOfTwoGiBArrays) {
  // The quick suite's triad: three 2 GiB arrays of doubles is 6 GiB per launch.
  const std::uint64_t elements = 2ull * 1024 * 1024 * 1024 / 8;
  EXPECT_EQ(stream_bytes(StreamKernel::Triad, elements, 8), 6ull * 1024 * 1024 * 1024);
  EXPECT_EQ(stream_bytes(StreamKernel::Copy, elements, 8), 4ull * 1024 * 1024 * 1024);
  EXPECT_EQ(stream_bytes(StreamKernel::Nstream, elements, 8), 8ull * 1024 * 1024 * 1024);
}

TEST(Bandwidth, StreamBytesOfNothingIsNothing) { EXPECT_EQ(stream_bytes(StreamKernel::Triad, 0, 8), 0u); }

TEST(Bandwidth, KernelNamesRoundTrip) {
  for (const auto* name : {"copy", "mul", "add", "triad", "dot", "nstream"}) {
    const auto kernel = parse_stream_kernel(name);
    ASSERT_TRUE(kernel.has_value()) << name;
    EXPECT_EQ(name_of(*kernel), name);
  }
}

TEST(Bandwidth, UnknownKernelNamesAreRefused) {
  EXPECT_FALSE(parse_stream_kernel("").has_value());
  EXPECT_FALSE(parse_stream_kernel("Triad").has_value());  // names are case-sensitive, as in suites
  EXPECT_FALSE(parse_stream_kernel("tirad").has_value());
  EXPECT_FALSE(parse_stream_kernel("triad ").has_value());
}

TEST(Bandwidth, CopyBytesAreTheBytesCopied) { EXPECT_EQ(copy_bytes(256u * 1024 * 1024), 256u * 1024 * 1024); }

TEST(Bandwidth, GigabytesPerSecondIsDecimal) {
  EXPECT_DOUBLE_EQ(gigabytes_per_second(1'000'000'000, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(gigabytes_per_second(3'000'000'000, 0.5), 6.0);
  // 1 GiB in one second is 1.073741824 GB/s, not 1.
  EXPECT_DOUBLE_EQ(gigabytes_per_second(1024ull * 1024 * 1024, 1.0), 1.073741824);
  EXPECT_DOUBLE_EQ(gigabytes_per_second(0, 1.0), 0.0);
}

TEST(Bandwidth, GigabytesPerSecondRefusesNonPositiveTime) {
  EXPECT_THROW(gigabytes_per_second(1000, 0.0), std::invalid_argument);
  EXPECT_THROW(gigabytes_per_second(1000, -1e-3), std::invalid_argument);
  EXPECT_THROW(gigabytes_per_second(1000, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
}

TEST(Measurement, FigureForBandwidthIsGigabytesPerSecond) {
  // 6 GiB in 2 ms.
  const std::uint64_t work = 6ull * 1024 * 1024 * 1024;
  EXPECT_DOUBLE_EQ(figure(Metric::Bandwidth, work, 2e-3), static_cast<double>(work) / 2e-3 / 1e9);
  EXPECT_NEAR(figure(Metric::Bandwidth, work, 2e-3), 3221.225472, 1e-9);
  EXPECT_THROW(figure(Metric::Bandwidth, work, 0.0), std::invalid_argument);
}

TEST(Measurement, FigureForThroughputIsTeraflops) {
  // 2*M*N*K for 4096^3 in 2 ms.
  const std::uint64_t work = 2ull * 4096 * 4096 * 4096;
  EXPECT_NEAR(figure(Metric::Throughput, work, 2e-3), 68.719476736, 1e-9);
  EXPECT_DOUBLE_EQ(figure(Metric::Throughput, 1'000'000'000'000, 1.0), 1.0);
  EXPECT_THROW(figure(Metric::Throughput, work, 0.0), std::invalid_argument);
  EXPECT_THROW(figure(Metric::Throughput, work, -1.0), std::invalid_argument);
}

TEST(Measurement, MetricNamesAndUnits) {
  EXPECT_EQ(unit_of(Metric::Bandwidth), "GB/s");
  EXPECT_EQ(unit_of(Metric::Throughput), "TFLOP/s");
  EXPECT_EQ(name_of(Metric::Bandwidth), "bandwidth");
  EXPECT_EQ(name_of(Metric::Throughput), "throughput");
}

TEST(Measurement, FormatBytesUsesTheLargestBinaryUnitThatDividesExactly) {
  EXPECT_EQ(format_bytes(2ull * 1024 * 1024 * 1024), "2GiB");
  EXPECT_EQ(format_bytes(256ull * 1024 * 1024), "256MiB");
  EXPECT_EQ(format_bytes(4096), "4KiB");
  EXPECT_EQ(format_bytes(1024), "1KiB");
  EXPECT_EQ(format_bytes(3ull * 1024 * 1024 * 1024 * 1024), "3TiB");
  EXPECT_EQ(format_bytes(1536ull * 1024 * 1024), "1536MiB");  // 1.5 GiB stays exact in MiB
}

TEST(Measurement, FormatBytesKeepsSizesThatNoUnitDividesInBytes) {
  EXPECT_EQ(format_bytes(1000), "1000B");
  EXPECT_EQ(format_bytes(1536), "1536B");  // 1.5 KiB: not a whole number of KiB
  EXPECT_EQ(format_bytes(1'000'000), "1000000B");
  EXPECT_EQ(format_bytes(1023), "1023B");
  EXPECT_EQ(format_bytes(1), "1B");
  EXPECT_EQ(format_bytes(0), "0B");
}

TEST(Measurement, FormatBytesStopsAtTebibytes) {
  EXPECT_EQ(format_bytes(1024ull * 1024 * 1024 * 1024 * 1024), "1024TiB");
}

}  // namespace
}  // namespace gpucert

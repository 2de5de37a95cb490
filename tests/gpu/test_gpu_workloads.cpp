// GPU tests: run on a machine with a GPU; elsewhere the binary exits with ctest's skip code after saying
// why, so a CPU-only CI shows them as skipped, never as passed.
#include <algorithm>
#include <cstdio>
#include <string>

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include "common/cuda_check.hpp"
#include "host_copy/host_copy.hpp"
#include "host_copy_all/host_copy_all.hpp"
#include "peer_copy/peer_copy.hpp"
#include "stream/stream.hpp"

namespace gpucert {
namespace {

RunRequest stream_request(const std::string& kernel, const std::string& precision, std::uint64_t elements) {
  RunRequest r;
  r.id = "test/" + kernel + "/" + precision;
  r.workload = "stream";
  r.params = {{"kernel", kernel}, {"precision", precision}, {"elements", elements}};
  r.warmup = 1;
  r.repetitions = 3;
  r.seed = 7;
  return r;
}

class StreamKernels : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

// An element count that is not a multiple of the 16-byte pack, so the tail path runs too.
TEST_P(StreamKernels, VerifiesEveryRun) {
  const auto& [kernel, precision] = GetParam();
  const std::uint64_t n = (1u << 22) + 3;
  const auto reply = kernels::run_stream(stream_request(kernel, precision, n));
  ASSERT_EQ(reply.status, RunStatus::Ok) << reply.message;
  EXPECT_EQ(reply.samples_s.size(), 3u);
  EXPECT_TRUE(reply.verification.passed);
  EXPECT_EQ(reply.verification.mismatches, 0u);
  // Warm-up runs are verified as well: 4 runs of n elements (dot: 4 sums).
  EXPECT_EQ(reply.verification.checked, kernel == "dot" ? 4u : 4u * n);
  for (double s : reply.samples_s) EXPECT_GT(s, 0.0);
}

INSTANTIATE_TEST_SUITE_P(AllKernels, StreamKernels,
                         ::testing::Combine(::testing::Values("copy", "mul", "add", "triad", "dot", "nstream"),
                                            ::testing::Values("fp32", "fp64")));

// A cold request flushes twice the L2 before each timed run and says so; a warm one allocates nothing for it. Both
// verify every run: the flush is outside what the kernel reads and writes.
TEST(Stream, ColdL2IsFlushedAndRecorded) {
  auto request = stream_request("triad", "fp64", 1u << 20);
  request.flush_l2 = true;
  const auto cold = kernels::run_stream(request);
  ASSERT_EQ(cold.status, RunStatus::Ok) << cold.message;
  int device = 0, l2 = 0;
  GPUCERT_CUDA_TRY(cudaGetDevice(&device));
  GPUCERT_CUDA_TRY(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device));
  EXPECT_EQ(cold.details["l2"], "cold");
  EXPECT_EQ(cold.details["l2_bytes"], l2);
  EXPECT_EQ(cold.details["l2_flush_bytes"], 2 * static_cast<std::uint64_t>(l2));
  const auto warm = kernels::run_stream(stream_request("triad", "fp64", 1u << 20));
  ASSERT_EQ(warm.status, RunStatus::Ok) << warm.message;
  EXPECT_EQ(warm.details["l2"], "warm");
  EXPECT_FALSE(warm.details.contains("l2_flush_bytes"));
}

TEST(Stream, UnknownKernelIsAnError) {
  const auto reply = kernels::run_stream(stream_request("scale", "fp32", 1024));
  EXPECT_EQ(reply.status, RunStatus::Error);
  EXPECT_NE(reply.message.find("scale"), std::string::npos);
}

// The failure is an exception naming the CUDA error (the worker turns it into an "error" reply), and it
// must not leak into the next measurement.
TEST(Stream, OutOfMemoryNamesTheErrorAndLeavesNoTrace) {
  try {
    kernels::run_stream(stream_request("copy", "fp64", std::uint64_t{1} << 40));  // three 8 TiB arrays
    FAIL() << "8 TiB arrays were allocated";
  } catch (const kernels::CudaFailure& e) {
    EXPECT_EQ(e.code(), cudaErrorMemoryAllocation);
    EXPECT_NE(std::string(e.what()).find("cudaMalloc"), std::string::npos) << e.what();
  }
  const auto next = kernels::run_stream(stream_request("copy", "fp32", 1 << 20));
  EXPECT_EQ(next.status, RunStatus::Ok) << next.message;
}

TEST(HostCopy, BothDirectionsVerify) {
  for (const std::string direction : {"h2d", "d2h"}) {
    RunRequest r;
    r.id = "test/host_copy/" + direction;
    r.workload = "host_copy";
    r.params = {{"direction", direction}, {"bytes", 8 * 1024 * 1024 + 8}};
    r.warmup = 1;
    r.repetitions = 3;
    const auto reply = kernels::run_host_copy(r);
    ASSERT_EQ(reply.status, RunStatus::Ok) << direction << ": " << reply.message;
    EXPECT_EQ(reply.verification.mismatches, 0u);
    EXPECT_EQ(reply.verification.checked, 4u * (1024 * 1024 + 1));
  }
}

int gpu_count() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
}

RunRequest copy_request(const std::string& workload, nlohmann::json params, int device = 0) {
  RunRequest r;
  r.id = "test/" + workload;
  r.workload = workload;
  r.params = std::move(params);
  r.warmup = 1;
  r.repetitions = 3;
  r.device = device;
  r.seed = 11;
  return r;
}

// Every pair, both engines and directions: all verified, each pair's figure recorded, the headline the slowest's.
TEST(PeerCopy, EveryPairVerifiesAndTheFigureIsTheSlowestPairs) {
  const int gpus = gpu_count();
  if (gpus < 2) GTEST_SKIP() << "peer_copy needs two GPUs; " << gpus << " visible";
  for (const std::string engine : {"ce", "sm"})
    for (const std::string direction : {"uni", "bi"}) {
      const std::uint64_t bytes = 8 * 1024 * 1024 + 16;
      const auto reply = kernels::run_peer_copy(
          copy_request("peer_copy", {{"engine", engine}, {"direction", direction}, {"bytes", bytes}}));
      ASSERT_EQ(reply.status, RunStatus::Ok) << engine << "/" << direction << ": " << reply.message;
      const std::size_t pairs = direction == "bi" ? gpus * (gpus - 1) / 2 : gpus * (gpus - 1);
      ASSERT_EQ(reply.details["pairs"].size(), pairs) << reply.details.dump();
      // 4 runs per pair, every word of each direction checked.
      EXPECT_EQ(reply.verification.checked, pairs * 4 * (bytes / 8) * (direction == "bi" ? 2 : 1));
      double slowest = 1e300;
      for (const auto& p : reply.details["pairs"]) slowest = std::min(slowest, p["median_gbps"].get<double>());
      EXPECT_EQ(reply.details["slowest"], [&] {
        for (const auto& p : reply.details["pairs"])
          if (p["median_gbps"].get<double>() == slowest) return p["pair"];
        return nlohmann::json();
      }());
      EXPECT_EQ(reply.samples_s.size(), 3u);
      std::printf("peer_copy %s/%s: slowest %s %.1f GB/s, limit %.1f GB/s (%s)\n", engine.c_str(), direction.c_str(),
                  reply.details["slowest"].get<std::string>().c_str(), slowest,
                  reply.details["limit_gbps"].get<double>(), reply.details["link_evidence"].get<std::string>().c_str());
    }
}

TEST(PeerCopy, OnlyTheFirstGpusWorkerMeasuresAndOneGpuIsWaived) {
  const int gpus = gpu_count();
  const auto reply = kernels::run_peer_copy(
      copy_request("peer_copy", {{"engine", "ce"}, {"direction", "uni"}, {"bytes", 1 << 20}}, gpus >= 2 ? 1 : 0));
  EXPECT_EQ(reply.status, RunStatus::Waived) << reply.message;
  EXPECT_NE(reply.message.find(gpus >= 2 ? "GPU 0" : "needs 2 GPUs"), std::string::npos) << reply.message;
}

TEST(HostCopyAll, AllGpusAtOnceVerifyBesideEachAlone) {
  const int gpus = gpu_count();
  for (const std::string direction : {"h2d", "d2h"}) {
    const std::uint64_t bytes = 16 * 1024 * 1024;
    const auto reply =
        kernels::run_host_copy_all(copy_request("host_copy_all", {{"direction", direction}, {"bytes", bytes}}));
    ASSERT_EQ(reply.status, RunStatus::Ok) << direction << ": " << reply.message;
    EXPECT_EQ(reply.details["alone"].size(), static_cast<std::size_t>(gpus));
    // Each GPU alone (4 runs), then all together (4 runs of every GPU).
    EXPECT_EQ(reply.verification.checked, static_cast<std::uint64_t>(gpus) * 8 * (bytes / 8));
    EXPECT_GT(reply.details["aggregate_gbps"].get<double>(), 0);
    std::printf("host_copy_all %s: %.1f GB/s aggregate over %d GPU(s), host share %.2f, limit per GPU %.1f GB/s\n",
                direction.c_str(), reply.details["aggregate_gbps"].get<double>(), gpus,
                reply.details["host_share"].get<double>(), reply.details["limit_gbps"].get<double>());
  }
}

}  // namespace
}  // namespace gpucert

int main(int argc, char** argv) {
  int count = 0;
  if (const auto status = cudaGetDeviceCount(&count); status != cudaSuccess || count == 0) {
    std::printf("SKIPPED: no usable CUDA device (%s): GPU tests need a GPU\n",
                status != cudaSuccess ? cudaGetErrorName(status) : "0 devices");
    return 77;  // ctest SKIP_RETURN_CODE
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

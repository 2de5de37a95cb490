// The nccl plugin's host logic that needs no GPU: the watchdog that keeps the blocking communicator's
// deadline, the knobs that choose the communicator, and the prediction of NCCL's one-rank avg defect.
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "nccl/known_defects.hpp"
#include "nccl/watchdog.hpp"

namespace {

using gpucert::kernels::nccl::blocking_from_environment;
using gpucert::kernels::nccl::one_rank_avg_unwritten;
using gpucert::kernels::nccl::Watchdog;
using namespace std::chrono_literals;

constexpr auto kTick = 1ms;

struct Probe {
  std::atomic<int> polls{0};
  std::atomic<int> aborts{0};
  std::string error;  // what poll reports; set before arming
};

Watchdog watchdog_for(Probe& probe, std::chrono::milliseconds abort_takes = 0ms) {
  return Watchdog(
      [&probe] {
        ++probe.polls;
        return probe.error;
      },
      [&probe, abort_takes] {
        std::this_thread::sleep_for(abort_takes);
        ++probe.aborts;
      },
      kTick);
}

// Waits (at most 10 s, the machine may be busy) until the watchdog has ended the watch.
bool wait_until_expired(const Watchdog& watchdog) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!watchdog.expired()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(NcclWatchdog, AWatchEndedBeforeItsDeadlineAbortsNothing) {
  Probe probe;
  auto watchdog = watchdog_for(probe);
  watchdog.arm(60s, true);
  EXPECT_TRUE(watchdog.armed());
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(watchdog.expired());
  EXPECT_FALSE(watchdog.disarm().has_value());
  EXPECT_FALSE(watchdog.armed());
  EXPECT_EQ(probe.aborts, 0);
  EXPECT_GT(probe.polls, 0) << "errors are polled while a watch is armed";
}

TEST(NcclWatchdog, APassedDeadlineAbortsOnceAndDisarmSaysSo) {
  Probe probe;
  auto watchdog = watchdog_for(probe);
  watchdog.arm(20ms, false);
  ASSERT_TRUE(wait_until_expired(watchdog));
  std::this_thread::sleep_for(20ms);  // further ticks of an expired watch do nothing
  const auto expiry = watchdog.disarm();
  ASSERT_TRUE(expiry.has_value());
  EXPECT_TRUE(expiry->deadline_passed);
  EXPECT_EQ(probe.aborts, 1);
  EXPECT_EQ(probe.polls, 0) << "errors are polled only when asked";
  EXPECT_FALSE(watchdog.expired());
  EXPECT_FALSE(watchdog.armed());
}

TEST(NcclWatchdog, APolledErrorAbortsBeforeTheDeadline) {
  Probe probe;
  probe.error = "ncclCommGetAsyncError: remote process exited or there was a network error (6)";
  auto watchdog = watchdog_for(probe);
  watchdog.arm(60s, true);
  ASSERT_TRUE(wait_until_expired(watchdog));
  const auto expiry = watchdog.disarm();
  ASSERT_TRUE(expiry.has_value());
  EXPECT_FALSE(expiry->deadline_passed);
  EXPECT_EQ(expiry->error, probe.error);
  EXPECT_EQ(probe.aborts, 1);
}

TEST(NcclWatchdog, AnExceptionFromPollIsItsError) {
  std::atomic<int> aborts{0};
  Watchdog watchdog([]() -> std::string { throw std::runtime_error("poll broke"); }, [&] { ++aborts; }, kTick);
  watchdog.arm(60s, true);
  ASSERT_TRUE(wait_until_expired(watchdog));
  const auto expiry = watchdog.disarm();
  ASSERT_TRUE(expiry.has_value());
  EXPECT_EQ(expiry->error, "poll broke");
  EXPECT_EQ(aborts, 1);
}

TEST(NcclWatchdog, DisarmReturnsOnlyAfterTheAbortHasReturned) {
  // The working thread must never touch what the abort is tearing down.
  Probe probe;
  auto watchdog = watchdog_for(probe, 150ms);
  watchdog.arm(1ms, false);
  ASSERT_TRUE(wait_until_expired(watchdog));
  const auto expiry = watchdog.disarm();
  ASSERT_TRUE(expiry.has_value());
  EXPECT_EQ(probe.aborts, 1);
}

TEST(NcclWatchdog, ArmingTwiceIsRefusedAndANewWatchFollowsAnExpiredOne) {
  Probe probe;
  auto watchdog = watchdog_for(probe);
  watchdog.arm(1ms, false);
  EXPECT_THROW(watchdog.arm(60s, false), std::logic_error);
  ASSERT_TRUE(wait_until_expired(watchdog));
  EXPECT_THROW(watchdog.arm(60s, false), std::logic_error) << "an expired watch is disarmed first";
  ASSERT_TRUE(watchdog.disarm().has_value());
  watchdog.arm(60s, true);
  EXPECT_FALSE(watchdog.disarm().has_value());
  EXPECT_EQ(probe.aborts, 1);
}

TEST(NcclWatchdog, DisarmWithoutAWatchIsHarmless) {
  Probe probe;
  auto watchdog = watchdog_for(probe);
  EXPECT_FALSE(watchdog.disarm().has_value());
  EXPECT_FALSE(watchdog.armed());
}

TEST(NcclWatchdog, ManyShortWatchesNeverExpire) {
  // The timed loop's pattern: one watch per sample, far shorter than its deadline, while the watchdog
  // inspects every millisecond. A watch re-armed while the watchdog looks must not be judged by the last.
  Probe probe;
  auto watchdog = watchdog_for(probe);
  for (int i = 0; i < 20000; ++i) {
    watchdog.arm(60s, true);
    if (i % 1000 == 0) std::this_thread::sleep_for(2ms);
    ASSERT_FALSE(watchdog.disarm().has_value()) << "watch " << i;
  }
  EXPECT_EQ(probe.aborts, 0);
}

TEST(NcclWatchdog, DestroyedWhileArmedStopsItsThread) {
  Probe probe;
  {
    auto watchdog = watchdog_for(probe);
    watchdog.arm(60s, true);
  }
  EXPECT_EQ(probe.aborts, 0);
}

TEST(NcclCommunicatorMode, BlockingUnlessAskedOtherwise) {
  EXPECT_TRUE(*blocking_from_environment(nullptr, nullptr));
  EXPECT_TRUE(*blocking_from_environment("", ""));
  EXPECT_TRUE(*blocking_from_environment("0", nullptr));
  EXPECT_TRUE(*blocking_from_environment(nullptr, "1"));
  EXPECT_FALSE(*blocking_from_environment("1", nullptr));
  EXPECT_FALSE(*blocking_from_environment(nullptr, "0"));
  EXPECT_FALSE(*blocking_from_environment("1", "0")) << "the two knobs agree";
  EXPECT_TRUE(*blocking_from_environment("0", "1"));
}

TEST(NcclCommunicatorMode, RefusesContradictionsAndOtherValues) {
  const auto both = blocking_from_environment("1", "1");
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("contradict"), std::string::npos) << both.error().message;
  EXPECT_FALSE(blocking_from_environment("0", "0"));
  const auto bad = blocking_from_environment("yes", nullptr);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("GPUCERT_NCCL_NONBLOCKING must be 0 or 1, not 'yes'"), std::string::npos)
      << bad.error().message;
  EXPECT_FALSE(blocking_from_environment(nullptr, "true"));
}

constexpr int kNccl2289 = 22809;

TEST(NcclKnownDefects, OneRankAvgLeavesTheTailThatGpuTestsFound) {
  // gpu.nccl_one_rank at 97000 bytes in fp64: all_reduce and reduce pass 12125 elements (6 blocks of 2020),
  // reduce_scatter 12124 (its share rounds down to 16 bytes).
  EXPECT_EQ(one_rank_avg_unwritten(kNccl2289, 1, true, 12125, 8), 5u);
  EXPECT_EQ(one_rank_avg_unwritten(kNccl2289, 1, true, 12124, 8), 4u);
  // The same size in the other floating types rounds each block's share up past the end: all written.
  EXPECT_EQ(one_rank_avg_unwritten(kNccl2289, 1, true, 24250, 4), 0u);
  EXPECT_EQ(one_rank_avg_unwritten(kNccl2289, 1, true, 48500, 2), 0u);
}

TEST(NcclKnownDefects, ThirtyTwoBlocksAtMost) {
  // 4 MiB + 28 bytes of fp32: 32 blocks of 32768 elements, 7 left over.
  EXPECT_EQ(one_rank_avg_unwritten(kNccl2289, 1, true, 1048576 + 7, 4), 7u);
  EXPECT_EQ(one_rank_avg_unwritten(kNccl2289, 1, true, 1048576, 4), 0u);
  // One block covers any count below 16 KiB.
  EXPECT_EQ(one_rank_avg_unwritten(kNccl2289, 1, true, 3, 8), 0u);
  EXPECT_EQ(one_rank_avg_unwritten(kNccl2289, 1, true, 2047, 8), 0u);
}

TEST(NcclKnownDefects, OnlyOneRankPreMulSumBeforeTheFix) {
  EXPECT_EQ(one_rank_avg_unwritten(22907, 1, true, 12125, 8), 0u) << "fixed in 2.29.7";
  EXPECT_EQ(one_rank_avg_unwritten(22906, 1, true, 12125, 8), 5u);
  EXPECT_EQ(one_rank_avg_unwritten(kNccl2289, 2, true, 12125, 8), 0u) << "two ranks run the real collective";
  EXPECT_EQ(one_rank_avg_unwritten(kNccl2289, 1, false, 12125, 8), 0u) << "other ops are a plain copy";
  EXPECT_EQ(one_rank_avg_unwritten(kNccl2289, 1, true, 0, 8), 0u);
}

}  // namespace

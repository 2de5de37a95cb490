// The worker's NVML module (harness/worker/nvml) against a fake libnvidia-ml built for the tests
// (fake_nvml/fake_nvml.cpp): the loader's messages, health snapshots, the sampler and the event set, and the
// health checks' verdicts on what it read.
#include <cerrno>  // program_invocation_short_name
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "core/health_checks.hpp"
#include "gpu_monitor.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

constexpr const char* kFakeUuid = "GPU-00000000-1111-2222-3333-444444444444";

struct Scenario {
  explicit Scenario(const char* name) { setenv("FAKE_NVML_SCENARIO", name, 1); }
  ~Scenario() { unsetenv("FAKE_NVML_SCENARIO"); }
};

TEST(NvmlMonitor, AnAbsentLibraryGivesTheLoadersMessageNotACrash) {
  nvml::GpuMonitor monitor("/nonexistent/libnvidia-ml.so.1");
  EXPECT_FALSE(monitor.available());
  EXPECT_HAS(monitor.error(), "/nonexistent/libnvidia-ml.so.1: cannot open shared object file");
  const auto health = monitor.health();
  EXPECT_FALSE(health.available);
  EXPECT_EQ(health.error, monitor.error());
  EXPECT_EQ(monitor.start_sampling(kFakeUuid, std::chrono::milliseconds(1)), nullptr);
}

TEST(NvmlMonitor, AFailedInitIsReportedWithNvmlsOwnWords) {
  Scenario s("init-fails");
  nvml::GpuMonitor monitor(GPUCERT_FAKE_NVML);
  EXPECT_FALSE(monitor.available());
  EXPECT_HAS(monitor.error(), "nvmlInit_v2: Driver Not Loaded (9)");
}

TEST(NvmlMonitor, AHealthySnapshotReadsWhatTheDriverHasAndNamesWhatItLacks) {
  Scenario s("healthy");
  nvml::GpuMonitor monitor(GPUCERT_FAKE_NVML);
  ASSERT_TRUE(monitor.available()) << monitor.error();
  const auto health = monitor.health();
  ASSERT_TRUE(health.available);
  EXPECT_EQ(health.driver_version, "580.95.05");
  EXPECT_TRUE(health.events_watched) << health.events_error;
  ASSERT_EQ(health.devices.size(), 1u);
  const auto& d = health.devices[0];
  EXPECT_EQ(d.uuid, kFakeUuid);
  EXPECT_EQ(d.ecc_enabled, true);
  EXPECT_EQ(d.ecc_volatile_uncorrected, 0u);
  EXPECT_FALSE(d.remap_pending.has_value());  // the fake driver lacks row remapping...
  EXPECT_EQ(d.retired_pages_pending, false);  // ...and has page retirement instead
  EXPECT_EQ(d.nvlinks.size(), 4u);
  EXPECT_EQ(d.pcie_gen_max, 5);
  EXPECT_EQ(d.mig_enabled, false);
  EXPECT_EQ(d.compute_mode, "default");
  EXPECT_TRUE(d.processes_read);
  ASSERT_EQ(d.processes.size(), 1u);
  EXPECT_EQ(d.processes[0].pid, health.worker_pid);
  // Named from /proc like any process: this test binary, whatever the build called it.
  EXPECT_HAS(d.processes[0].name, program_invocation_short_name);
  std::string unread;
  for (const auto& line : d.unread) unread += line + "\n";
  EXPECT_HAS(unread, "nvmlDeviceGetRemappedRows: not in this driver's libnvidia-ml");
}

TEST(NvmlMonitor, TheSamplerRecordsClocksPowerAndTheClockEventReasons) {
  Scenario s("throttled");
  nvml::GpuMonitor monitor(GPUCERT_FAKE_NVML);
  auto sampling = monitor.start_sampling(kFakeUuid, std::chrono::milliseconds(1));
  ASSERT_NE(sampling, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const auto t = sampling->finish();
  EXPECT_TRUE(t.available);
  EXPECT_GE(t.samples.size(), 3u);
  EXPECT_EQ(t.samples.front().sm_clock_mhz, 1200);
  EXPECT_EQ(t.samples.front().power_w, 650);
  EXPECT_EQ(t.clock_events_seen, clock_event::kSwPowerCap | clock_event::kHwThermalSlowdown);
  EXPECT_TRUE(t.slowed_down());
  EXPECT_GT(t.violation_ns.at("thermal"), 0u);
  EXPECT_EQ(t.power_limit_w, 700);
  EXPECT_EQ(t.pcie_gen, 5);
  EXPECT_TRUE(t.processes_read);
  EXPECT_TRUE(t.other_processes.empty());  // the sampling process itself is not another
  EXPECT_EQ(monitor.start_sampling("GPU-unknown", std::chrono::milliseconds(1)), nullptr);
}

TEST(NvmlMonitor, TheSamplerSeesASecondProcessAndNamesIt) {
  Scenario s("shared");
  nvml::GpuMonitor monitor(GPUCERT_FAKE_NVML);
  auto sampling = monitor.start_sampling(kFakeUuid, std::chrono::milliseconds(2));
  ASSERT_NE(sampling, nullptr);
  const auto t = sampling->finish();
  ASSERT_EQ(t.other_processes.size(), 1u);
  EXPECT_EQ(t.other_processes[0].pid, static_cast<std::uint32_t>(getppid()));
  EXPECT_EQ(t.other_processes[0].used_memory_bytes, 2ull << 30);
}

TEST(NvmlMonitor, AnXidFromTheEventSetReachesTheMeasurementAndTheHealthReport) {
  Scenario s("xid");
  nvml::GpuMonitor monitor(GPUCERT_FAKE_NVML);
  auto sampling = monitor.start_sampling(kFakeUuid, std::chrono::milliseconds(2));
  ASSERT_NE(sampling, nullptr);
  const auto t = sampling->finish();
  // Drained when the sampler started: before the measurement, so not its own...
  EXPECT_TRUE(t.events.empty());
  // ...but the run's, in every later health report.
  const auto health = monitor.health();
  ASSERT_EQ(health.events.size(), 1u);
  EXPECT_EQ(health.events[0].type, "xid");
  EXPECT_EQ(health.events[0].data, 79u);
  EXPECT_EQ(health.events[0].uuid, kFakeUuid);
}

TEST(NvmlMonitor, TheSamplerThinsItsReadingsOnALongRun) {
  Scenario s("healthy");
  nvml::GpuMonitor monitor(GPUCERT_FAKE_NVML);
  auto sampling = monitor.start_sampling(kFakeUuid, std::chrono::microseconds(100));
  ASSERT_NE(sampling, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const auto t = sampling->finish();
  EXPECT_LE(t.samples.size(), 513u);
  EXPECT_GT(t.period_s, 0.0001);
}

}  // namespace
}  // namespace gpucert

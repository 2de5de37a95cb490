// The health checks (docs/HEALTH.md) judged from recorded NVML readings: a healthy H100's snapshot (a JSON
// fixture in the worker's format) and telemetry, then each reading changed the way a sick, shared or throttled
// GPU changes it. Every check's passing, failing and waived cases.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/conformance.hpp"
#include "core/derived_floors.hpp"
#include "core/gpu_telemetry.hpp"
#include "core/health_checks.hpp"
#include "report_fixtures.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

using namespace fixtures;

GpuHealthReport recorded_healthy() {
  std::ifstream in(std::string(GPUCERT_SOURCE_DIR) + "/tests/unit/health/healthy_h100.json");
  std::stringstream text;
  text << in.rdbuf();
  auto report = gpu_health_report_from_json(nlohmann::json::parse(text.str()));
  EXPECT_TRUE(report.ok());
  return report.ok() ? *report : GpuHealthReport{};
}

MeasurementTelemetry steady_telemetry(std::uint64_t reasons = clock_event::kSwPowerCap) {
  MeasurementTelemetry t;
  t.available = true;
  t.period_s = 0.005;
  t.duration_s = 0.02;
  for (int i = 0; i < 5; ++i) t.samples.push_back({i * 0.005, 1980, 2619, 690.0 + i, 61, 100, 80, reasons});
  t.clock_events_seen = reasons;
  t.violation_ns = {{"power", 4'000'000}, {"thermal", 0}};
  t.power_limit_w = 700;
  t.pcie_gen = 5;
  t.pcie_width = 16;
  t.processes_read = true;
  return t;
}

ResultRecord host_copy_result(const std::string& direction, double gbps, const Placement& where) {
  Measurement m;
  m.id = "host_copy/" + direction + "/256MiB";
  m.workload = "host_copy";
  m.params = {{"direction", direction}, {"bytes", 268435456}};
  m.repetitions = 3;
  m.work = 268435456;
  m.metric = Metric::Bandwidth;
  const double median_s = static_cast<double>(m.work) / (gbps * 1e9);
  RunReply reply;
  reply.status = RunStatus::Ok;
  reply.samples_s = {median_s, median_s, median_s};
  reply.verification = {true, 1, 0, 0, 0, "checksum"};
  return make_record(m, where, reply);
}

// The healthy run with NVML readings before and after, and telemetry on every measurement that ran.
RunRecord healthy_health_run() {
  auto run = healthy_run();
  run.results.push_back(host_copy_result("h2d", 55.0, placement(0, "node-a")));
  for (auto& r : run.results)
    if (r.reply.status == RunStatus::Ok) r.reply.telemetry = steady_telemetry();
  run.ranks[0].probe.health = recorded_healthy();
  run.ranks[0].health_after = recorded_healthy();
  return run;
}

HealthSnapshot& before(RunRecord& run) { return run.ranks[0].probe.health->devices[0]; }
HealthSnapshot& after(RunRecord& run) { return run.ranks[0].health_after->devices[0]; }

Check only(const std::vector<Check>& checks) {
  EXPECT_EQ(checks.size(), 1u);
  return checks.at(0);
}

TEST(HealthChecks, AHealthyGpuPassesEveryCheck) {
  const auto run = healthy_health_run();
  const auto checks = health_checks(run);
  ASSERT_EQ(checks.size(), 6u);
  for (const auto& c : checks) {
    EXPECT_EQ(c.verdict, Verdict::Pass) << c.name << ": " << c.evidence;
    EXPECT_EQ(c.subject, "rank 0");
    EXPECT_EQ(c.environment, "native");
  }
  EXPECT_EQ(checks[0].name, "exclusive-use");
  EXPECT_HAS(checks[0].evidence, "only gpucert's worker computed on the GPU");
  EXPECT_HAS(checks[0].evidence, "compute mode default, MIG off, no MPS daemon");
  EXPECT_HAS(checks[1].evidence, "ECC on, uncorrectable volatile 0, aggregate 0");
  EXPECT_HAS(checks[2].evidence, "none");
  EXPECT_HAS(checks[3].evidence, "link gen 5 x16 under load, at most gen 5 x16");
  EXPECT_HAS(checks[3].evidence, "host_copy/h2d/256MiB 55.0 GB/s, 87% of the 63.0 GB/s of gen 5 x16");
  EXPECT_HAS(checks[4].evidence, "2 of 2 link(s) up before the suite, 2 after; no recovery or CRC error");
  EXPECT_HAS(checks[5].evidence, "7 of 7 measurement(s) ran at the software power cap (recorded, not failed)");
  EXPECT_HAS(checks[5].evidence, "up to 694 W drawn of a 700 W limit");
}

TEST(HealthChecks, EveryCheckIsWaivedWithTheLoadersMessageWhereNvmlIsAbsent) {
  auto run = healthy_health_run();
  run.ranks[0].probe.health = GpuHealthReport{};
  run.ranks[0].probe.health->error = "libnvidia-ml.so.1: cannot open shared object file: No such file or directory";
  run.ranks[0].health_after.reset();
  for (const auto& c : health_checks(run)) {
    EXPECT_EQ(c.verdict, Verdict::Waived) << c.name;
    EXPECT_HAS(c.evidence, "NVML is unavailable to the worker: libnvidia-ml.so.1: cannot open shared object file");
  }
  run.ranks[0].probe.health.reset();
  EXPECT_HAS(health_checks(run)[0].evidence, "the worker reported no NVML readings");
}

// ---- exclusive use ----

TEST(HealthChecks, AnotherComputeProcessBeforeTheSuiteFailsExclusiveUseAndIsNamed) {
  auto run = healthy_health_run();
  before(run).processes.push_back({7777, "python3 train.py --epochs 90", 12ull << 30});
  const auto c = only(exclusive_use_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "another compute process shares the GPU: pid 7777 (python3 train.py --epochs 90, 12.00 GiB)");
  EXPECT_HAS(c.evidence, "seen before the suite");
  EXPECT_HAS(c.diagnosis, "not the run's alone");
  EXPECT_HAS(c.fix, "nvidia-smi --query-compute-apps");
}

TEST(HealthChecks, AProcessSeenOnlyDuringAMeasurementFailsExclusiveUseNamingTheMeasurement) {
  auto run = healthy_health_run();
  run.results[4].reply.telemetry->other_processes.push_back({9001, "", 1ull << 30});
  const auto c = only(exclusive_use_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "pid 9001 (name not visible here, 1.00 GiB), seen during gemm/fp16/4096x4096x4096");
}

TEST(HealthChecks, TheRunsOwnWorkersAreNotOtherProcesses) {
  auto run = healthy_health_run();
  // A container worker of the same rank, on the same GPU: its pid is in its own probe's report.
  EnvironmentRecord container;
  container.name = "runtime";
  container.ranks = {run.ranks[0]};
  container.ranks[0].probe.health->worker_pid = 5200;
  run.environments.push_back(container);
  before(run).processes.push_back({5200, "gpucert-worker", 1ull << 29});
  after(run).processes.push_back({5200, "gpucert-worker", 1ull << 29});
  EXPECT_EQ(only(exclusive_use_checks(run)).verdict, Verdict::Pass);
}

// As on an H200 with four flavors under runc: each container's worker is pid 1 of its own namespace, and the
// native worker's NVML lists it by host pid. Only the host pid the coordinator found makes it the run's own.
TEST(HealthChecks, AContainerWorkerIsKnownByTheHostPidTheCoordinatorFound) {
  auto run = healthy_health_run();
  EnvironmentRecord container;
  container.name = "runtime";
  container.ranks = {run.ranks[0]};
  auto& inside = *container.ranks[0].probe.health;
  inside.worker_pid = 1;
  inside.worker_pid_namespace = 4026532712;
  inside.worker_host_pid = 0;  // not found: it stays a stranger
  run.environments.push_back(container);
  run.results[4].reply.telemetry->other_processes.push_back({2973, "/opt/gpucert/bin/gpucert-worker", 1ull << 30});
  auto c = only(exclusive_use_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "pid 2973 (/opt/gpucert/bin/gpucert-worker, 1.00 GiB)");

  run.environments[0].ranks[0].probe.health->worker_host_pid = 2973;
  EXPECT_EQ(only(exclusive_use_checks(run)).verdict, Verdict::Pass);
}

// A worker that crashed is replaced by a new process, which no probe saw: the telemetry of what it measured
// carries its host pid.
TEST(HealthChecks, AReplacementWorkerIsKnownFromItsMeasurementsTelemetry) {
  auto run = healthy_health_run();
  after(run).processes.push_back({6100, "gpucert-worker", 1ull << 29});
  EXPECT_EQ(only(exclusive_use_checks(run)).verdict, Verdict::Fail);
  run.results[4].reply.telemetry->worker_host_pids = {6100};
  EXPECT_EQ(only(exclusive_use_checks(run)).verdict, Verdict::Pass);
  // Another rank's worker is not this rank's own.
  run.results[4].placement.rank = 1;
  EXPECT_EQ(only(exclusive_use_checks(run)).verdict, Verdict::Fail);
}

TEST(HealthChecks, ExclusiveUseIsWaivedNotPassedWhenNvmlCannotListProcesses) {
  auto run = healthy_health_run();
  before(run).processes_read = false;
  before(run).processes.clear();
  before(run).unread = {"nvmlDeviceGetComputeRunningProcesses_v3: not in this driver's libnvidia-ml"};
  auto c = only(exclusive_use_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_HAS(c.evidence, "NVML could not list the GPU's compute processes: nvmlDeviceGetComputeRunningProcesses_v3");
  before(run).mig_enabled = true;  // what can be read still fails it
  EXPECT_EQ(only(exclusive_use_checks(run)).verdict, Verdict::Fail);
}

TEST(HealthChecks, MigMpsAndAProhibitedComputeModeFailExclusiveUse) {
  auto mig = healthy_health_run();
  before(mig).mig_enabled = true;
  auto c = only(exclusive_use_checks(mig));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "MIG mode is enabled");
  EXPECT_HAS(c.fix, "-mig 0");

  auto mps = healthy_health_run();
  mps.ranks[0].probe.health->mps = "nvidia-cuda-mps-control, pid 812";
  c = only(exclusive_use_checks(mps));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "an MPS control daemon runs (nvidia-cuda-mps-control, pid 812)");

  auto prohibited = healthy_health_run();
  before(prohibited).compute_mode = "prohibited";
  EXPECT_EQ(only(exclusive_use_checks(prohibited)).verdict, Verdict::Fail);
}

// ---- memory errors ----

TEST(HealthChecks, UncorrectableVolatileEccErrorsFail) {
  auto run = healthy_health_run();
  after(run).ecc_volatile_uncorrected = 2;
  const auto c = only(memory_error_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "2 uncorrectable ECC error(s) since the driver loaded (volatile), after the suite");
  EXPECT_HAS(c.fix, "nvidia-smi -r");
}

TEST(HealthChecks, PendingOrFailedRemapsAndAggregateGrowthFail) {
  auto pending = healthy_health_run();
  before(pending).remap_pending = true;
  EXPECT_HAS(only(memory_error_checks(pending)).evidence, "a row remap is pending a GPU reset, before the suite");
  auto failed = healthy_health_run();
  after(failed).remap_failed = true;
  EXPECT_EQ(only(memory_error_checks(failed)).verdict, Verdict::Fail);
  auto grew = healthy_health_run();
  after(grew).ecc_aggregate_uncorrected = 1;
  EXPECT_HAS(only(memory_error_checks(grew)).evidence,
             "the aggregate uncorrectable ECC count grew during the run, 0 -> 1");
  auto retired = healthy_health_run();
  before(retired).retired_pages_pending = true;
  EXPECT_EQ(only(memory_error_checks(retired)).verdict, Verdict::Fail);
}

TEST(HealthChecks, HistoricAggregateErrorsWithRowsRemappedPassAndAreRecorded) {
  auto run = healthy_health_run();
  before(run).ecc_aggregate_uncorrected = 3;
  after(run).ecc_aggregate_uncorrected = 3;
  before(run).remapped_rows_uncorrectable = 3;
  const auto c = only(memory_error_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_HAS(c.evidence, "aggregate 3");
  EXPECT_HAS(c.evidence, "the board's history");
}

TEST(HealthChecks, MemoryErrorsAreWaivedWhereNvmlGivesNoReading) {
  auto run = healthy_health_run();
  auto& b = before(run);
  b.ecc_enabled = false;
  b.ecc_volatile_uncorrected.reset();
  b.ecc_aggregate_uncorrected.reset();
  b.remap_pending.reset();
  b.remap_failed.reset();
  b.unread = {"nvmlDeviceGetRemappedRows: Not Supported (3)"};
  const auto c = only(memory_error_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_HAS(c.evidence, "(ECC is disabled): nvmlDeviceGetRemappedRows: Not Supported (3)");
}

// ---- Xid events ----

TEST(HealthChecks, AnXidDuringTheRunFailsAndOneOnAnotherGpuDoesNot) {
  auto run = healthy_health_run();
  run.ranks[0].health_after->events = {{"xid", 63, "GPU-ffffffff-0000-0000-0000-000000000000"}};
  EXPECT_EQ(only(xid_event_checks(run)).verdict, Verdict::Pass);
  run.ranks[0].health_after->events.push_back({"xid", 79, before(run).uuid});
  const auto c = only(xid_event_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "1 critical event(s) from the driver: Xid 79 during the run");
  EXPECT_HAS(c.fix, "journalctl -k");
  auto during = healthy_health_run();
  during.results[0].reply.telemetry->events = {{"double_bit_ecc", 0, before(during).uuid}};
  EXPECT_HAS(only(xid_event_checks(during)).evidence, "double_bit_ecc during stream/copy/fp64/2GiB");
}

TEST(HealthChecks, XidIsWaivedWhenEventsCannotBeWatchedOrTheRunDidNotFinish) {
  auto unwatched = healthy_health_run();
  unwatched.ranks[0].probe.health->events_watched = false;
  unwatched.ranks[0].probe.health->events_error = "nvmlDeviceRegisterEvents: Insufficient Permissions (4)";
  auto c = only(xid_event_checks(unwatched));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_HAS(c.evidence, "Insufficient Permissions");
  auto unfinished = healthy_health_run();
  unfinished.ranks[0].health_after.reset();
  c = only(xid_event_checks(unfinished));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_HAS(c.evidence, "no reading after the suite");
}

// ---- PCIe ----

TEST(HealthChecks, PcieLinkRatesFollowTheEncodingOfEachGeneration) {
  EXPECT_NEAR(pcie_link_gbps(3, 16), 15.75, 0.01);
  EXPECT_NEAR(pcie_link_gbps(4, 16), 31.51, 0.01);
  EXPECT_NEAR(pcie_link_gbps(5, 16), 63.02, 0.01);
  EXPECT_NEAR(pcie_link_gbps(1, 1), 0.25, 1e-9);
  EXPECT_EQ(pcie_link_gbps(7, 16), 0);
}

TEST(HealthChecks, ANarrowLinkOrALowGenerationUnderLoadFails) {
  auto narrow = healthy_health_run();
  for (auto& r : narrow.results)
    if (r.reply.telemetry) r.reply.telemetry->pcie_width = 8;
  auto c = only(pcie_checks(narrow));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "the link trained to x8, below the x16 it allows");
  EXPECT_HAS(c.fix, "lspci -vv");
  auto slow = healthy_health_run();
  for (auto& r : slow.results)
    if (r.reply.telemetry) r.reply.telemetry->pcie_gen = 4;
  c = only(pcie_checks(slow));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "under load the link ran at gen 4, below the gen 5 it allows");
}

TEST(HealthChecks, AnIdleLinkThatTrainedDownIsNotAFault) {
  auto run = healthy_health_run();  // the snapshots read gen 1 at idle; under load it ran at gen 5
  ASSERT_EQ(before(run).pcie_gen, 1);
  EXPECT_EQ(only(pcie_checks(run)).verdict, Verdict::Pass);
}

TEST(HealthChecks, PinnedCopiesFarBelowTheNegotiatedLinkFail) {
  auto run = healthy_health_run();
  run.results.push_back(host_copy_result("d2h", 26.0, placement(0, "node-a")));
  run.results.back().reply.telemetry = steady_telemetry();
  const auto c = only(pcie_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "pinned copy host_copy/d2h/256MiB 26.0 GB/s, 41% of the 63.0 GB/s of gen 5 x16, below 70%");
}

// ---- NVLink ----

TEST(HealthChecks, ALinkDownOrCrcErrorsDuringTheRunFailNvlink) {
  auto down = healthy_health_run();
  after(down).nvlinks[1].active = false;
  auto c = only(nvlink_checks(down));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "link(s) 1 down after it");
  auto crc = healthy_health_run();
  after(crc).nvlinks[0].errors["crc_flit"] = 12;
  c = only(nvlink_checks(crc));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "12 crc_flit error(s) counted during the run");
  auto replay = healthy_health_run();
  after(replay).nvlinks[0].errors["replay"] = 5;
  c = only(nvlink_checks(replay));
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_HAS(c.evidence, "5 replay(s) during the run (retried, recorded)");
}

TEST(HealthChecks, NvlinkIsWaivedOnAGpuWithoutLinks) {
  auto run = healthy_health_run();
  before(run).nvlinks.clear();
  const auto c = only(nvlink_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_HAS(c.evidence, "no NVLink on this GPU");
}

// ---- throttling ----

TEST(HealthChecks, AThermalSlowdownDuringAMeasurementFailsAndNamesTheFigure) {
  auto run = healthy_health_run();
  run.results[4].reply.telemetry = steady_telemetry(clock_event::kSwPowerCap | clock_event::kHwThermalSlowdown);
  const auto c = only(throttling_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence,
             "1 of 7 measurement(s) ran while the GPU was slowed down: gemm/fp16/4096x4096x4096, "
             "median 749.0 TFLOP/s: hw_thermal_slowdown");
  EXPECT_HAS(c.fix, "cooling");
  auto counted = healthy_health_run();
  counted.results[0].reply.telemetry->violation_ns["thermal"] = 2'500'000;
  EXPECT_HAS(only(throttling_checks(counted)).evidence, "2.5 ms of thermal violation");
  auto brake = healthy_health_run();
  brake.results[0].reply.telemetry = steady_telemetry(clock_event::kHwPowerBrakeSlowdown);
  EXPECT_HAS(only(throttling_checks(brake)).evidence, "hw_power_brake_slowdown");
}

TEST(HealthChecks, APowerLimitBelowTheBoardsDefaultIsRecorded) {
  auto run = healthy_health_run();
  before(run).power_limit_w = 500;
  const auto c = only(throttling_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_HAS(c.evidence, "(set below the board's default 700 W)");
}

TEST(HealthChecks, ThrottlingIsWaivedWithoutTelemetry) {
  auto run = healthy_health_run();
  for (auto& r : run.results) r.reply.telemetry.reset();
  EXPECT_EQ(only(throttling_checks(run)).verdict, Verdict::Waived);
}

TEST(HealthChecks, ConformanceChecksCarryTheHealthChecks) {
  const auto run = healthy_health_run();
  std::vector<std::string> names;
  for (const auto& c : conformance_checks(run, embedded_thresholds())) names.push_back(c.name);
  for (const char* name : {"exclusive-use", "memory-errors", "xid-events", "pcie", "nvlink", "throttling"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
}

// ---- the records carry the readings ----

TEST(HealthRecords, ReadingsSurviveTheRankAndResultRecords) {
  const auto run = healthy_health_run();
  auto rank = rank_record_from_json(to_json(run.ranks[0]));
  ASSERT_TRUE(rank.ok()) << rank.error().message;
  ASSERT_TRUE(rank->probe.health && rank->health_after);
  EXPECT_EQ(to_json(*rank->probe.health), to_json(*run.ranks[0].probe.health));
  auto result = result_from_json(to_json(run.results[0]));
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_TRUE(result->reply.telemetry.has_value());
  EXPECT_EQ(to_json(*result->reply.telemetry), to_json(*run.results[0].reply.telemetry));
  EXPECT_EQ(to_json(*result->reply.telemetry)["clock_events_seen_names"], nlohmann::json({"sw_power_cap"}));
  auto reply = decode_run_reply(encode_run_reply(run.results[0].reply));
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(reply->telemetry.has_value());
  auto health = decode_health_reply(encode_health_reply(*run.ranks[0].probe.health));
  ASSERT_TRUE(health.ok()) << health.error().message;
  EXPECT_EQ(health->devices.size(), 1u);
  EXPECT_FALSE(decode_health_reply(R"({"op":"error","ok":false,"message":"unknown op"})").ok());
}

TEST(HealthRecords, InterleavedRoundsAddTheirTelemetryUp) {
  OptionalTelemetry so_far;
  merge_telemetry(so_far, steady_telemetry());
  auto second = steady_telemetry(clock_event::kHwSlowdown);
  second.other_processes = {{42, "other", 1}};
  merge_telemetry(so_far, second);
  ASSERT_TRUE(so_far.has_value());
  EXPECT_EQ(so_far->samples.size(), 10u);
  EXPECT_NEAR(so_far->samples[5].t_s, 0.02, 1e-12);
  EXPECT_EQ(so_far->clock_events_seen, clock_event::kSwPowerCap | clock_event::kHwSlowdown);
  EXPECT_EQ(so_far->violation_ns["power"], 8'000'000u);
  EXPECT_EQ(so_far->other_processes.size(), 1u);
  EXPECT_TRUE(so_far->slowed_down());
}

TEST(HealthRecords, ClockEventReasonsAreNamed) {
  EXPECT_EQ(clock_event_names(0x4 | 0x40 | 0x1000),
            (std::vector<std::string>{"sw_power_cap", "hw_thermal_slowdown", "0x1000"}));
}

// ---- floors from the hardware ----

DeviceInfo h200() {
  DeviceInfo d = h100();
  d.name = "NVIDIA H200";
  d.memory_clock_khz = 3'201'000;
  d.memory_bus_bits = 6144;
  d.sm_clock_khz = 1'980'000;
  return d;
}

Measurement gemm_measurement(const std::string& precision, long m, long n, long k) {
  Measurement g;
  g.id = "gemm/" + precision + "/" + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
  g.workload = "gemm";
  g.params = {{"precision", precision}, {"m", m}, {"n", n}, {"k", k}};
  g.metric = Metric::Throughput;
  return g;
}

TEST(DerivedFloors, BandwidthFloorsComeFromTheMemoryClockAndBus) {
  const auto triad = stream_result("triad", "fp64", 1e-3, placement(0, "a")).measurement;
  const auto floor = derived_floor(h200(), triad);
  ASSERT_TRUE(floor.has_value());
  EXPECT_TRUE(floor->derived);
  EXPECT_NEAR(*floor->datasheet, 2 * 3.201e9 * 768 / 1e9, 0.1);
  EXPECT_NEAR(floor->minimum, 0.78 * *floor->datasheet, 0.1);
  EXPECT_HAS(floor->source, "78% of the 4917 GB/s peak of 2 x 3201 MHz x 6144-bit memory");
  const auto dot = stream_result("dot", "fp64", 1e-3, placement(0, "a")).measurement;
  EXPECT_NEAR(derived_floor(h200(), dot)->minimum, 0.75 * *floor->datasheet, 0.1);
  auto blind = h200();
  blind.memory_clock_khz = 0;
  std::string why;
  EXPECT_FALSE(derived_floor(blind, triad, &why).has_value());
  EXPECT_HAS(why, "CUDA did not report the memory clock");
}

TEST(DerivedFloors, ThroughputFloorsComeFromSmsClockAndTheArchitecturesRate) {
  const auto floor = derived_floor(h200(), gemm_measurement("fp16", 8192, 8192, 8192));
  ASSERT_TRUE(floor.has_value());
  EXPECT_NEAR(*floor->datasheet, 132 * 1.98e9 * 4096 / 1e12, 0.1);
  EXPECT_NEAR(floor->minimum, 0.55 * *floor->datasheet, 0.1);
  EXPECT_HAS(floor->source, "132 SMs x 1980 MHz x 4096 FLOP/SM/clock (sm_90)");
  std::string why;
  EXPECT_FALSE(derived_floor(h200(), gemm_measurement("fp16", 16384, 16, 4096), &why).has_value());
  EXPECT_HAS(why, "smaller than 4096");
  auto a100 = h200();
  a100.cc_major = 8;
  EXPECT_FALSE(derived_floor(a100, gemm_measurement("fp8", 8192, 8192, 8192), &why).has_value());
  EXPECT_HAS(why, "no fp8 rate per SM is known for sm_80");
  EXPECT_EQ(flop_per_sm_clock(8, 0, "fp16"), 2048);
  EXPECT_EQ(flop_per_sm_clock(12, 0, "fp16"), 0);
}

// The basis comes from the workload's spec: one without a basis, or a workload this build does not know, has no
// derived floor, and the reason says which.
TEST(DerivedFloors, ComeFromTheWorkloadsSpec) {
  Measurement conv;
  conv.id = "conv/fp16/n256c64h56w56k64r3s3p1u1";
  conv.workload = "conv";
  conv.params = {{"precision", "fp16"}};
  std::string why;
  EXPECT_FALSE(derived_floor(h200(), conv, &why).has_value());
  EXPECT_EQ(why, "no derived floor for conv");
  conv.workload = "future_workload";
  EXPECT_FALSE(derived_floor(h200(), conv, &why).has_value());
  EXPECT_HAS(why, "a workload this gpucert does not know");
  EXPECT_FALSE(derived_floor(h200(), gemm_measurement("fp4", 8192, 8192, 8192), &why).has_value());
  EXPECT_HAS(why, "no derived floor for GEMM precision 'fp4'");
}

// Small stream arrays sit partly in the L2 and are dominated by the launch's ramp: neither the table's floor for the
// model nor a derived one judges them, and the check says so instead of failing a healthy GPU.
TEST(DerivedFloors, SmallStreamArraysAreJudgedByNoFloor) {
  auto run = empty_run();
  run.ranks = {usable_rank(0, "node-a")};
  run.ranks[0].probe.devices = {h200()};
  const auto at = placement(0, "node-a", "NVIDIA H100 80GB HBM3");
  auto small = stream_result("triad", "fp64", 1e-3, at);  // 1 ms for 3 x 8 MiB: 25 GB/s, far below any floor
  small.measurement.id = "stream/triad/fp64/8MiB";
  small.measurement.params["elements"] = 1024 * 1024;
  small.measurement.work = 3ull * 8 * 1024 * 1024;
  run.results = {make_record(small.measurement, at, small.reply), stream_result("triad", "fp64", 1.0, at)};
  const auto checks = performance_floor_checks(run, embedded_thresholds());
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].verdict, Verdict::Waived);
  EXPECT_HAS(checks[0].evidence, "arrays of 8MiB are smaller than the 256MiB a device-memory floor needs");
  EXPECT_EQ(checks[1].verdict, Verdict::Fail);  // the same slowness at 2 GiB still fails: the table judges it
}

TEST(DerivedFloors, AGpuTheTableLacksIsJudgedAgainstItsHardware) {
  auto run = empty_run();
  run.ranks = {usable_rank(0, "node-a")};
  run.ranks[0].probe.devices = {h200()};
  run.ranks[0].probe.devices[0].name = "NVIDIA H300 Prototype";
  const auto at = placement(0, "node-a", "NVIDIA H300 Prototype");
  // triad moves 6 GiB: 2.5 ms is 2577 GB/s, below 78% of 4917.
  run.results = {stream_result("triad", "fp64", 2.5e-3, at), stream_result("triad", "fp32", 1.6e-3, at)};
  const auto checks = performance_floor_checks(run, embedded_thresholds());
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].verdict, Verdict::Fail);
  EXPECT_HAS(checks[0].evidence, "derived from the hardware");
  EXPECT_HAS(checks[0].diagnosis, "% of the 4916.7 GB/s peak");
  EXPECT_EQ(checks[1].verdict, Verdict::Pass);
}

}  // namespace
}  // namespace gpucert

// Result records, rank records, the run record and its exit code, and probe reports: what results.jsonl and
// report.json hold, and what comes back when they are read.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/probe_report.hpp"
#include "core/result.hpp"
#include "core/run_record.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

constexpr std::uint64_t kTriadWork = 6ull * 1024 * 1024 * 1024;  // three 2 GiB arrays

Measurement triad() {
  Measurement m;
  m.id = "stream/triad/fp64/2GiB";
  m.workload = "stream";
  m.params = {{"kernel", "triad"}, {"precision", "fp64"}, {"elements", 268435456}};
  m.warmup = 3;
  m.repetitions = 5;
  m.work = kTriadWork;
  m.metric = Metric::Bandwidth;
  return m;
}

Placement placement(int rank, const std::string& host, int device = 0) {
  return {rank,
          rank % 8,
          host,
          device,
          device >= 0 ? "NVIDIA H100 80GB HBM3" : "",
          device >= 0 ? "GPU-11111111-2222-3333-4444-555555555555" : ""};
}

RunReply reply_with(RunStatus status, std::vector<double> samples = {}, std::string message = {}) {
  RunReply r;
  r.status = status;
  r.samples_s = std::move(samples);
  r.message = std::move(message);
  if (!r.samples_s.empty())
    r.verification = {
        status == RunStatus::Ok, 268435456, status == RunStatus::Ok ? 0u : 7u, 2.5e-16, 1e-12, "closed form"};
  return r;
}

ResultRecord result(RunStatus status, int rank = 0) {
  std::vector<double> samples;
  if (status == RunStatus::Ok || status == RunStatus::Failed) samples = {2.0e-3, 1.9e-3, 2.1e-3};
  return make_record(triad(), placement(rank, "node-a"), reply_with(status, samples, "why"));
}

DeviceInfo h100(int index = 0) {
  DeviceInfo d;
  d.index = index;
  d.name = "NVIDIA H100 80GB HBM3";
  d.uuid = "GPU-11111111-2222-3333-4444-555555555555";
  d.pci_bus_id = "0000:18:00.0";
  d.cc_major = 9;
  d.cc_minor = 0;
  d.memory_bytes = 85'045'183'232;
  d.multiprocessors = 132;
  d.l2_bytes = 52'428'800;
  d.memory_clock_khz = 2'619'000;
  d.memory_bus_bits = 5120;
  return d;
}

RankRecord usable_rank(int rank, const std::string& host) {
  RankRecord r;
  r.placement = placement(rank, host);
  r.probe.hostname = host;
  r.probe.worker_version = "0.1.0";
  r.probe.driver_version = 13000;
  r.probe.runtime_version = 13000;
  r.probe.libcuda = {"libcuda.so.1", true, "/usr/lib/x86_64-linux-gnu/libcuda.so.1", ""};
  r.probe.device_nodes = {"/dev/nvidia0", "/dev/nvidiactl"};
  r.probe.devices = {h100()};
  r.usable = true;
  return r;
}

RankRecord unusable_rank(int rank, const std::string& host) {
  RankRecord r;
  r.placement = placement(rank, host, -1);
  r.probe.hostname = host;
  r.probe.worker_version = "0.1.0";
  r.probe.runtime_version = 13000;
  r.probe.cuda_error =
      CudaErrorInfo{35, "cudaErrorInsufficientDriver", "CUDA driver version is insufficient for CUDA runtime version",
                    "cudaGetDeviceCount"};
  r.probe.libcuda = {"libcuda.so.1", false, "",
                     "libcuda.so.1: cannot open shared object file: No such file or directory"};
  r.usable = false;
  r.problem = "CUDA is not available";
  r.diagnoses = diagnose(r.probe);
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// Result records

TEST(ResultRecord, MakeRecordSummarizesTimesAndComputesFigures) {
  const auto r = make_record(triad(), placement(0, "node-a"), reply_with(RunStatus::Ok, {2.0e-3, 1.6e-3, 2.5e-3}));
  ASSERT_TRUE(r.time.has_value());
  ASSERT_TRUE(r.figures.has_value());
  EXPECT_EQ(r.time->count, 3u);
  EXPECT_DOUBLE_EQ(r.time->median, 2.0e-3);
  EXPECT_DOUBLE_EQ(r.time->min, 1.6e-3);
  EXPECT_DOUBLE_EQ(r.time->max, 2.5e-3);
  // Bandwidth at the median: work / median time / 1e9.
  EXPECT_DOUBLE_EQ(r.figures->at_median, static_cast<double>(kTriadWork) / 2.0e-3 / 1e9);
  EXPECT_NEAR(r.figures->at_median, 3221.225472, 1e-6);
  EXPECT_DOUBLE_EQ(r.figures->best, static_cast<double>(kTriadWork) / 1.6e-3 / 1e9);   // fastest run
  EXPECT_DOUBLE_EQ(r.figures->worst, static_cast<double>(kTriadWork) / 2.5e-3 / 1e9);  // slowest run
  EXPECT_GT(r.figures->best, r.figures->at_median);
  EXPECT_LT(r.figures->worst, r.figures->at_median);
}

TEST(ResultRecord, MakeRecordForThroughputIsTeraflops) {
  Measurement m;
  m.id = "gemm/fp16/4096x4096x4096";
  m.workload = "gemm";
  m.work = 2ull * 4096 * 4096 * 4096;
  m.metric = Metric::Throughput;
  const auto r = make_record(m, placement(0, "node-a"), reply_with(RunStatus::Ok, {2e-4, 1e-4, 3e-4}));
  ASSERT_TRUE(r.figures.has_value());
  EXPECT_NEAR(r.figures->at_median, static_cast<double>(m.work) / 2e-4 / 1e12, 1e-9);
}

TEST(ResultRecord, NoSamplesNoFigures) {
  const auto r = make_record(triad(), placement(0, "node-a"),
                             reply_with(RunStatus::Unavailable, {}, "libcublas.so.13: cannot open shared object file"));
  EXPECT_FALSE(r.time.has_value());
  EXPECT_FALSE(r.figures.has_value());
}

TEST(ResultRecord, IsFailureForEachStatus) {
  EXPECT_FALSE(is_failure(result(RunStatus::Ok)));
  EXPECT_TRUE(is_failure(result(RunStatus::Failed)));
  EXPECT_TRUE(is_failure(result(RunStatus::Error)));
  EXPECT_FALSE(is_failure(result(RunStatus::Unavailable)));
  EXPECT_FALSE(is_failure(result(RunStatus::Waived)));
}

TEST(ResultRecord, JsonRoundTrip) {
  auto reply = reply_with(RunStatus::Failed, {2.0e-3, 1.9e-3, 2.1e-3}, "7 values outside the tolerance");
  reply.verification.max_rel_error = std::numeric_limits<double>::quiet_NaN();
  reply.details = {{"block_size", 1024}};
  const auto original = make_record(triad(), placement(3, "node-b", 1), reply);
  const auto j = to_json(original);

  EXPECT_EQ(j.at("id"), "stream/triad/fp64/2GiB");
  EXPECT_EQ(j.at("metric"), "bandwidth");
  EXPECT_EQ(j.at("unit"), "GB/s");
  EXPECT_EQ(j.at("status"), "failed");
  EXPECT_EQ(j.at("samples_s").size(), 3u);
  EXPECT_DOUBLE_EQ(j.at("time_s").at("median").get<double>(), 2.0e-3);
  EXPECT_DOUBLE_EQ(j.at("figure").at("at_median").get<double>(), original.figures->at_median);

  // Through text, as results.jsonl stores it.
  auto back = result_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  const auto& b = *back;
  EXPECT_EQ(b.measurement.id, original.measurement.id);
  EXPECT_EQ(b.measurement.workload, "stream");
  EXPECT_EQ(b.measurement.params, original.measurement.params);
  EXPECT_EQ(b.measurement.warmup, 3);
  EXPECT_EQ(b.measurement.repetitions, 5);
  EXPECT_EQ(b.measurement.work, kTriadWork);
  EXPECT_EQ(b.measurement.metric, Metric::Bandwidth);
  EXPECT_EQ(b.placement.rank, 3);
  EXPECT_EQ(b.placement.local_rank, 3);
  EXPECT_EQ(b.placement.host, "node-b");
  EXPECT_EQ(b.placement.device, 1);
  EXPECT_EQ(b.placement.device_name, original.placement.device_name);
  EXPECT_EQ(b.placement.device_uuid, original.placement.device_uuid);
  EXPECT_EQ(b.reply.status, RunStatus::Failed);
  EXPECT_EQ(b.reply.samples_s, original.reply.samples_s);
  EXPECT_EQ(b.reply.message, "7 values outside the tolerance");
  EXPECT_EQ(b.reply.details, original.reply.details);
  EXPECT_FALSE(b.reply.verification.passed);
  EXPECT_EQ(b.reply.verification.mismatches, 7u);
  EXPECT_TRUE(std::isnan(b.reply.verification.max_rel_error));
  ASSERT_TRUE(b.figures.has_value());
  EXPECT_DOUBLE_EQ(b.figures->at_median, original.figures->at_median);
  EXPECT_DOUBLE_EQ(b.time->p95, original.time->p95);
  EXPECT_EQ(to_json(b).dump(), j.dump()) << "a record read back writes the same JSON";
}

TEST(ResultRecord, ThroughputMetricRoundTrips) {
  Measurement m = triad();
  m.metric = Metric::Throughput;
  auto back = result_from_json(to_json(make_record(m, placement(0, "a"), reply_with(RunStatus::Ok, {1.0}))));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->measurement.metric, Metric::Throughput);
}

TEST(ResultRecord, ResultFromJsonRefusesMalformedRecords) {
  const auto good = to_json(result(RunStatus::Ok));
  auto without_id = good;
  without_id.erase("id");
  auto bad_status = good;
  bad_status["status"] = "splendid";
  auto status_number = good;
  status_number["status"] = 1;
  auto negative_sample = good;
  negative_sample["samples_s"] = {1e-3, -1e-3};
  auto params_number = good;  // found by fuzz_results: the charts read params by name
  params_number["params"] = 8;
  for (const auto& [j, expected] : std::vector<std::pair<nlohmann::json, std::string>>{
           {without_id, "malformed result record"},
           {bad_status, "unknown status"},
           {status_number, "malformed result record"},
           {negative_sample, "malformed result record"},
           {params_number, "result record whose params are not an object: \"stream/triad/fp64/2GiB\""},
           {nlohmann::json::array(), "malformed result record"}}) {
    SCOPED_TRACE(j.dump().substr(0, 80));
    Outcome<ResultRecord> back = GPUCERT_ERROR("not read");
    ASSERT_NO_THROW(back = result_from_json(j));
    ASSERT_FALSE(back.ok());
    EXPECT_HAS(back.error().message, expected);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Run record: exit code and verdict

RunRecord run_with(std::vector<RankRecord> ranks, std::vector<ResultRecord> results) {
  RunRecord run;
  run.build = {"0.1.0", "07b2471", 13000, "90"};
  run.suite_name = "quick";
  run.suite_source = "embedded:quick";
  run.started = "2026-01-02T03:04:05Z";
  run.finished = "2026-01-02T03:05:06Z";
  run.command = "gpucert run";
  run.ranks = std::move(ranks);
  run.results = std::move(results);
  return run;
}

TEST(RunRecord, AllPassedIsZero) {
  const auto run =
      run_with({usable_rank(0, "a"), usable_rank(1, "b")}, {result(RunStatus::Ok), result(RunStatus::Ok, 1)});
  EXPECT_EQ(run.exit_code(), kExitPassed);
  EXPECT_EQ(run.verdict(), "all 2 result(s) passed on 2 rank(s)");
}

TEST(RunRecord, FailedResultIsOne) {
  const auto run = run_with({usable_rank(0, "a")}, {result(RunStatus::Ok), result(RunStatus::Failed)});
  EXPECT_EQ(run.exit_code(), kExitCheckFailed);
  EXPECT_EQ(run.verdict(), "1 of 2 result(s) failed");
}

TEST(RunRecord, ErrorResultIsOne) {
  const auto run = run_with({usable_rank(0, "a")}, {result(RunStatus::Error)});
  EXPECT_EQ(run.exit_code(), kExitCheckFailed);
  EXPECT_EQ(run.verdict(), "1 of 1 result(s) failed");
}

TEST(RunRecord, UnavailableAndWaivedAreNotFailures) {
  const auto run = run_with({usable_rank(0, "a")},
                            {result(RunStatus::Ok), result(RunStatus::Unavailable), result(RunStatus::Waived)});
  EXPECT_EQ(run.exit_code(), kExitPassed);
  EXPECT_EQ(run.verdict(), "all 3 result(s) passed on 1 rank(s)");
}

TEST(RunRecord, AnyUnusableRankIsThreeEvenWithFailures) {
  const auto run = run_with({usable_rank(0, "a"), unusable_rank(1, "b")}, {result(RunStatus::Failed)});
  EXPECT_EQ(run.exit_code(), kExitEnvironment);
  // The verdict names both findings: the failure on the rank that ran is not hidden by the missing rank.
  EXPECT_EQ(run.verdict(), "1 of 2 rank(s) have no usable GPU; 1 of 1 result(s) failed");
}

TEST(RunRecord, EveryRankUnusable) {
  const auto run = run_with({unusable_rank(0, "a"), unusable_rank(1, "b")}, {});
  EXPECT_EQ(run.exit_code(), kExitEnvironment);
  EXPECT_EQ(run.verdict(), "no GPU is usable on any of 2 rank(s): nothing could run");
}

TEST(RunRecord, NoRanksIsThree) {
  const auto run = run_with({}, {});
  EXPECT_EQ(run.exit_code(), kExitEnvironment);
  EXPECT_EQ(run.verdict(), "no rank reported");
}

TEST(RunRecord, ExitCodesAreTheDocumentedNumbers) {
  EXPECT_EQ(kExitPassed, 0);
  EXPECT_EQ(kExitCheckFailed, 1);
  EXPECT_EQ(kExitBadInput, 2);
  EXPECT_EQ(kExitEnvironment, 3);
}

TEST(RunRecord, ToJsonHoldsSchemaFingerprintAndCounts) {
  auto b = usable_rank(1, "node-b");
  b.probe.driver_version = 12090;
  b.probe.runtime_version = 12080;
  const auto run = run_with({usable_rank(0, "node-a"), b, usable_rank(2, "node-a")},
                            {result(RunStatus::Ok), result(RunStatus::Ok, 1), result(RunStatus::Failed, 2),
                             result(RunStatus::Unavailable), result(RunStatus::Waived, 1)});
  const auto j = to_json(run);
  EXPECT_EQ(j.at("schema_version"), kReportSchemaVersion);
  EXPECT_EQ(j.at("schema_version"), 1);
  EXPECT_EQ(j.at("gpucert").at("version"), "0.1.0");
  EXPECT_EQ(j.at("gpucert").at("cuda_build"), "13.0");
  EXPECT_EQ(j.at("suite").at("name"), "quick");
  EXPECT_EQ(j.at("suite").at("source"), "embedded:quick");
  EXPECT_EQ(j.at("started"), "2026-01-02T03:04:05Z");
  EXPECT_EQ(j.at("fingerprint").at("hosts"), (nlohmann::json{"node-a", "node-b"}));  // each host once, sorted
  EXPECT_EQ(j.at("fingerprint").at("ranks"), 3);
  EXPECT_EQ(j.at("fingerprint").at("driver_cuda"), (nlohmann::json{"12.9", "13.0"}));
  EXPECT_EQ(j.at("fingerprint").at("cuda_runtime"), (nlohmann::json{"12.8", "13.0"}));
  EXPECT_EQ(j.at("verdict").at("exit_code"), 1);
  EXPECT_EQ(j.at("verdict").at("summary"), "1 of 5 result(s) failed");
  EXPECT_EQ(j.at("verdict").at("counts"), (nlohmann::json{{"ok", 2},
                                                          {"failed", 1},
                                                          {"error", 0},
                                                          {"crashed", 0},
                                                          {"timed_out", 0},
                                                          {"unavailable", 1},
                                                          {"waived", 1}}));
  EXPECT_EQ(j.at("ranks").size(), 3u);
  EXPECT_EQ(j.at("results").size(), 5u);
}

TEST(RunRecord, UtcTimestampFormat) {
  const auto t = utc_timestamp();
  ASSERT_EQ(t.size(), 20u) << t;
  EXPECT_EQ(t[4], '-');
  EXPECT_EQ(t[10], 'T');
  EXPECT_EQ(t.back(), 'Z');
  EXPECT_GE(t.substr(0, 4), "2024");
}

// ---------------------------------------------------------------------------------------------------------
// Rank records

TEST(RankRecord, JsonRoundTripRecomputesDiagnoses) {
  auto original = unusable_rank(4, "node-c");
  original.placement.local_rank = 2;
  ASSERT_FALSE(original.diagnoses.empty());
  auto j = to_json(original);
  EXPECT_EQ(j.at("diagnoses").at(0).at("cause"), "libcuda-missing");
  // Diagnoses are derived: the stored ones are ignored on reading, the probe decides.
  j["diagnoses"] = nlohmann::json::array();
  auto back = rank_record_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->placement.rank, 4);
  EXPECT_EQ(back->placement.local_rank, 2);
  EXPECT_EQ(back->placement.host, "node-c");
  EXPECT_EQ(back->placement.device, -1);
  EXPECT_FALSE(back->usable);
  EXPECT_EQ(back->problem, "CUDA is not available");
  ASSERT_EQ(back->diagnoses.size(), original.diagnoses.size());
  for (std::size_t i = 0; i < original.diagnoses.size(); ++i) {
    EXPECT_EQ(back->diagnoses[i].cause, original.diagnoses[i].cause);
    EXPECT_EQ(back->diagnoses[i].fix, original.diagnoses[i].fix);
  }
  EXPECT_EQ(back->diagnoses[0].cause, "libcuda-missing");
  EXPECT_EQ(to_json(*back), to_json(original));
}

TEST(RankRecord, RankWhoseWorkerNeverAnsweredGetsNoCudaDiagnosis) {
  // No probe ran: the problem says why. An empty probe must not read as "libcuda.so.1 is missing".
  RankRecord r;
  r.placement = placement(2, "node-c", -1);
  r.problem = "the worker did not start: cannot start /opt/gpucert/bin/gpucert-worker: No such file or directory";
  auto back = rank_record_from_json(nlohmann::json::parse(to_json(r).dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_FALSE(back->usable);
  EXPECT_EQ(back->problem, r.problem);
  EXPECT_TRUE(back->diagnoses.empty()) << "first cause: " << back->diagnoses.front().cause;
}

TEST(RankRecord, UsableRankRoundTrips) {
  const auto original = usable_rank(0, "node-a");
  auto back = rank_record_from_json(to_json(original));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->usable);
  EXPECT_TRUE(back->diagnoses.empty());
  EXPECT_EQ(back->placement.device_name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(to_json(*back), to_json(original));
}

TEST(RankRecord, RefusesMalformedRecords) {
  auto j = to_json(usable_rank(0, "a"));
  auto no_rank = j;
  no_rank.erase("rank");
  auto host_number = j;
  host_number["host"] = 5;
  auto bad_probe = j;
  bad_probe["probe"]["devices"][0]["compute_capability"] = "nine";
  for (const auto& [input, expected] :
       std::vector<std::pair<nlohmann::json, std::string>>{{no_rank, "malformed rank record"},
                                                           {host_number, "malformed rank record"},
                                                           {bad_probe, "probe reply is malformed"},
                                                           {nlohmann::json("rank 0"), "not an object"}}) {
    SCOPED_TRACE(input.dump().substr(0, 80));
    Outcome<RankRecord> back = GPUCERT_ERROR("not read");
    ASSERT_NO_THROW(back = rank_record_from_json(input));
    ASSERT_FALSE(back.ok());
    EXPECT_HAS(back.error().message, expected);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Probe reports

TEST(ProbeReport, JsonRoundTrip) {
  ProbeReport r;
  r.hostname = "node-a";
  r.worker_version = "0.1.0";
  r.cuda_build_version = 13000;
  r.driver_version = 13000;
  r.driver_release = "580.95.05";
  r.runtime_version = 13000;
  r.cuda_error = CudaErrorInfo{999, "cudaErrorUnknown", "unknown error", "cudaGetDeviceProperties"};
  r.devices = {h100(0), h100(1)};
  r.devices[1].cc_minor = 3;  // survives the "9.3" text form
  r.devices[1].uuid = "GPU-aaaaaaaa-2222-3333-4444-555555555555";
  r.libcuda = {"libcuda.so.1", true, "/usr/lib/x86_64-linux-gnu/libcuda.so.1", ""};
  r.device_nodes = {"/dev/nvidia0", "/dev/nvidia1", "/dev/nvidiactl"};
  r.environment = {{"CUDA_VISIBLE_DEVICES", "0,1"}, {"NVIDIA_DRIVER_CAPABILITIES", "compute,utility"}};
  r.workloads = {{"stream", true, "worker", "built into gpucert-worker"},
                 {"gemm", false, "libgpucert-gemm.so", "libcublasLt.so.13: cannot open shared object file"}};

  const auto j = to_json(r);
  EXPECT_EQ(j.at("devices").at(0).at("compute_capability"), "9.0");
  EXPECT_NEAR(j.at("devices").at(0).at("peak_bandwidth_gbps").get<double>(), 3352.32, 1e-6);

  auto back = probe_report_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  const auto& b = *back;
  EXPECT_EQ(b.hostname, "node-a");
  EXPECT_EQ(b.worker_version, "0.1.0");
  EXPECT_EQ(b.cuda_build_version, 13000);
  EXPECT_EQ(b.driver_version, 13000);
  EXPECT_EQ(b.driver_release, "580.95.05");
  EXPECT_EQ(b.runtime_version, 13000);
  ASSERT_TRUE(b.cuda_error.has_value());
  EXPECT_EQ(b.cuda_error->code, 999);
  EXPECT_EQ(b.cuda_error->name, "cudaErrorUnknown");
  EXPECT_EQ(b.cuda_error->message, "unknown error");
  EXPECT_EQ(b.cuda_error->call, "cudaGetDeviceProperties");
  ASSERT_EQ(b.devices.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    const auto& d = b.devices[i];
    const auto& o = r.devices[i];
    EXPECT_EQ(d.index, o.index);
    EXPECT_EQ(d.name, o.name);
    EXPECT_EQ(d.uuid, o.uuid);
    EXPECT_EQ(d.pci_bus_id, o.pci_bus_id);
    EXPECT_EQ(d.cc_major, o.cc_major);
    EXPECT_EQ(d.cc_minor, o.cc_minor);
    EXPECT_EQ(d.memory_bytes, o.memory_bytes);
    EXPECT_EQ(d.multiprocessors, o.multiprocessors);
    EXPECT_EQ(d.l2_bytes, o.l2_bytes);
    EXPECT_EQ(d.memory_clock_khz, o.memory_clock_khz);
    EXPECT_EQ(d.memory_bus_bits, o.memory_bus_bits);
  }
  EXPECT_EQ(b.libcuda.name, "libcuda.so.1");
  EXPECT_TRUE(b.libcuda.loaded);
  EXPECT_EQ(b.libcuda.path, r.libcuda.path);
  EXPECT_EQ(b.device_nodes, r.device_nodes);
  EXPECT_EQ(b.environment, r.environment);
  ASSERT_EQ(b.workloads.size(), 2u);
  EXPECT_EQ(b.workloads[1].name, "gemm");
  EXPECT_FALSE(b.workloads[1].available);
  EXPECT_EQ(b.workloads[1].backend, "libgpucert-gemm.so");
  EXPECT_EQ(b.workloads[1].evidence, r.workloads[1].evidence);
  EXPECT_EQ(to_json(b), j);
}

TEST(ProbeReport, WithoutErrorCudaErrorIsNull) {
  ProbeReport r;
  const auto j = to_json(r);
  EXPECT_TRUE(j.at("cuda_error").is_null());
  auto back = probe_report_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_FALSE(back->cuda_error.has_value());
}

TEST(ProbeReport, CudaUsableNeedsNoErrorAndADevice) {
  ProbeReport r;
  EXPECT_FALSE(r.cuda_usable());  // no device
  r.devices.push_back(h100());
  EXPECT_TRUE(r.cuda_usable());
  r.cuda_error = CudaErrorInfo{2, "cudaErrorMemoryAllocation", "out of memory", "cudaMalloc"};
  EXPECT_FALSE(r.cuda_usable());
}

TEST(ProbeReport, RefusesMalformedReply) {
  EXPECT_FALSE(probe_report_from_json(nlohmann::json::array()).ok());
  Outcome<ProbeReport> back = GPUCERT_ERROR("not read");
  ASSERT_NO_THROW(back = probe_report_from_json(nlohmann::json{{"driver_version", "580"}}));
  ASSERT_FALSE(back.ok());
  EXPECT_HAS(back.error().message, "probe reply is malformed");
}

TEST(ProbeReport, FormatCudaVersion) {
  EXPECT_EQ(format_cuda_version(13000), "13.0");
  EXPECT_EQ(format_cuda_version(12090), "12.9");
  EXPECT_EQ(format_cuda_version(12040), "12.4");
  EXPECT_EQ(format_cuda_version(11080), "11.8");
  EXPECT_EQ(format_cuda_version(12100), "12.10");  // a two-digit minor stays exact
  EXPECT_EQ(format_cuda_version(0), "unknown");
  EXPECT_EQ(format_cuda_version(-1), "unknown");
}

TEST(ProbeReport, PeakBandwidthOfH100) {
  // 2 transfers per clock x 2619 MHz x 5120 bits / 8 = 3352.32 GB/s (NVIDIA quotes 3.35 TB/s for H100 SXM).
  EXPECT_NEAR(h100().peak_bandwidth_gbps(), 3352.32, 1e-9);
  EXPECT_DOUBLE_EQ(DeviceInfo{}.peak_bandwidth_gbps(), 0.0);
}

}  // namespace
}  // namespace gpucert

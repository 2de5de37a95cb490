// Conformance checks derived from a run record, the driver compatibility rules they use, and the performance
// floors of suites/thresholds.json: each built from plain facts, without a GPU.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/compat.hpp"
#include "core/conformance.hpp"
#include "core/thresholds.hpp"
#include "report_fixtures.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

using namespace fixtures;

Check only(const std::vector<Check>& checks) {
  EXPECT_EQ(checks.size(), 1u);
  return checks.at(0);
}

std::vector<Check> named(const std::vector<Check>& checks, const std::string& name) {
  std::vector<Check> out;
  for (const auto& c : checks)
    if (c.name == name) out.push_back(c);
  return out;
}

// ---- compat.hpp -------------------------------------------------------------------------------------------

TEST(Compat, DriverReleasesCompareFieldByFieldAsNumbers) {
  EXPECT_GT(compare_driver_releases("580.159.04", "580.95.05"), 0);  // as text, "1" < "9" would say older
  EXPECT_LT(compare_driver_releases("525.60.13", "525.60.14"), 0);
  EXPECT_EQ(compare_driver_releases("580", "580.0.0"), 0);
  EXPECT_GT(compare_driver_releases("580.65.06", "580"), 0);
  EXPECT_LT(compare_driver_releases("575.57.08", "580"), 0);
  EXPECT_LT(compare_driver_releases("garbage", "450.80.02"), 0);  // unparsable is older than anything
  EXPECT_LT(compare_driver_releases("580.", "1"), 0);
  EXPECT_EQ(compare_driver_releases("", "x"), 0);
}

TEST(Compat, MinorVersionCompatibilityNeedsTheMajorsMinimumDriver) {
  EXPECT_TRUE(minor_version_compatible("580.65.06", 13000));
  EXPECT_TRUE(minor_version_compatible("580", 13020));
  EXPECT_FALSE(minor_version_compatible("575.57.08", 13000));
  EXPECT_TRUE(minor_version_compatible("525.60.13", 12090));
  EXPECT_FALSE(minor_version_compatible("525.60.12", 12000));
  EXPECT_TRUE(minor_version_compatible("450.80.02", 11080));
  EXPECT_FALSE(minor_version_compatible("450.51.06", 11000));
  EXPECT_FALSE(minor_version_compatible("999.0", 10020));  // no known minimum for CUDA 10
  EXPECT_FALSE(minor_version_compatible("", 12000));
}

// ---- gpu-visible ------------------------------------------------------------------------------------------

TEST(Conformance, GpuVisiblePassesWithTheDeviceAsEvidence) {
  const auto run = healthy_run();
  const auto& c = only(gpu_visible_checks(run));
  EXPECT_EQ(c.name, "gpu-visible");
  EXPECT_EQ(c.environment, "native");
  EXPECT_EQ(c.subject, "rank 0");
  EXPECT_EQ(c.rank, 0);
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_HAS(c.evidence, "NVIDIA H100 80GB HBM3");
  EXPECT_HAS(c.evidence, "GPU-5d3b7c2a-9f1e-4b6d-8a2c-0e4f6a8b1c3d");
  EXPECT_HAS(c.evidence, "sees 1 GPU(s)");
  EXPECT_HAS(c.evidence, "sm_90");
  EXPECT_TRUE(c.diagnosis.empty());
  EXPECT_TRUE(c.fix.empty());
}

TEST(Conformance, GpuVisibleFailsWithTheDoctorsDiagnosisAndFix) {
  auto run = empty_run();
  run.ranks = {unusable_rank(3, "node-b")};
  const auto& c = only(gpu_visible_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_EQ(c.subject, "rank 3");
  EXPECT_HAS(c.evidence, "cudaErrorInsufficientDriver (35)");
  EXPECT_HAS(c.evidence, "the loader said: libcuda.so.1: cannot open shared object file");
  EXPECT_HAS(c.evidence, "0 NVIDIA device node(s)");
  EXPECT_HAS(c.diagnosis, "[libcuda-missing]");
  EXPECT_HAS(c.diagnosis, "[no-device-nodes]");
  EXPECT_HAS(c.fix, "install the NVIDIA driver");
  EXPECT_HAS(c.fix, "docker run --gpus all");
}

TEST(Conformance, GpuVisibleForAWorkerThatNeverAnsweredPointsAtTheDoctor) {
  auto run = empty_run();
  RankRecord silent;
  silent.placement = {1, 0, "node-c", -1, "", ""};
  silent.problem = "the worker did not answer the probe within 120 s";
  run.ranks = {silent};
  const auto& c = only(gpu_visible_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_EQ(c.evidence, "the worker did not answer the probe within 120 s");
  EXPECT_HAS(c.diagnosis, "did not report a usable GPU");
  EXPECT_EQ(c.fix, "run `gpucert doctor` on node-c to see why");
}

// ---- driver-runtime-alignment -----------------------------------------------------------------------------

Check alignment(int driver, const std::string& release, int runtime) {
  auto run = empty_run();
  run.ranks = {usable_rank(0, "node-a")};
  run.ranks[0].probe.driver_version = driver;
  run.ranks[0].probe.driver_release = release;
  run.ranks[0].probe.runtime_version = runtime;
  return only(driver_runtime_alignment_checks(run));
}

TEST(Conformance, DriverNewerOrEqualToTheRuntimePasses) {
  const auto c = alignment(13000, "580.95.05", 12090);
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_EQ(c.evidence,
            "driver 580.95.05 supports CUDA 13.0 (cudaDriverGetVersion); the CUDA runtime is 12.9 "
            "(cudaRuntimeGetVersion)");
  EXPECT_EQ(alignment(13000, "580.95.05", 13000).verdict, Verdict::Pass);
}

TEST(Conformance, OlderDriverOfTheSameMajorPassesThroughMinorVersionCompatibility) {
  const auto c = alignment(12080, "570.124.06", 12090);
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_HAS(c.evidence, "570.124.06");
  EXPECT_HAS(c.evidence, "minor-version compatibility: any CUDA 12.x runtime runs on driver 525.60.13 or newer");
}

TEST(Conformance, OlderDriverBelowTheMajorsMinimumFails) {
  const auto c = alignment(11000, "450.51.06", 11080);
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis, "minor-version compatibility needs driver 450.80.02 or newer (this one is 450.51.06)");
  EXPECT_HAS(c.fix, "upgrade the driver to 450.80.02 or newer");
  EXPECT_HAS(c.fix, "cuda-compat-11-8");
}

TEST(Conformance, DriverOfAnOlderMajorFails) {
  const auto c = alignment(12090, "575.57.08", 13000);
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis, "the driver supports CUDA 12.9, older than the CUDA 13.0 runtime");
  EXPECT_HAS(c.fix, "upgrade the driver to 580 or newer");
  EXPECT_HAS(c.fix, "cuda-compat-13-0");
}

TEST(Conformance, AlignmentIsWaivedWhenAVersionIsUnknown) {
  const auto missing_driver = alignment(0, "", 13000);
  EXPECT_EQ(missing_driver.verdict, Verdict::Waived);
  EXPECT_EQ(missing_driver.evidence,
            "cannot be judged without both versions: the driver's CUDA version is unknown; the gpu-visible check of "
            "this rank says why");
  const auto unknown_release = alignment(12080, "", 12090);
  EXPECT_EQ(unknown_release.verdict, Verdict::Waived);
  EXPECT_HAS(unknown_release.evidence, "driver 525.60.13 or newer");
}

// ---- results-verified -------------------------------------------------------------------------------------

TEST(Conformance, ResultsVerifiedPassesWithTheTally) {
  const auto c = only(results_verified_checks(healthy_run()));
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_EQ(c.subject, "rank 0");
  EXPECT_EQ(c.evidence, "6 measurement(s) ran and verified: " + std::to_string(4 * 268435456ull + 2 * 4096 * 4096) +
                            " value(s) checked, 0 wrong; 1 unavailable");
}

TEST(Conformance, ResultsVerifiedFailureNamesTheMeasurements) {
  auto run = healthy_run();
  run.results.push_back(stream_result("dot", "fp32", 1.4e-3, placement(0, "node-a"), RunStatus::Failed));
  auto broken = stream_result("add", "fp64", 2e-3, placement(0, "node-a"));
  broken.reply.status = RunStatus::Error;
  broken.reply.message = "cudaErrorIllegalAddress (700) in add";
  run.results.push_back(broken);
  const auto c = only(results_verified_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_EQ(c.evidence,
            "2 of 8 measurement(s) that ran failed or broke: stream/dot/fp32/2GiB, stream/add/fp64/2GiB "
            "(1 unavailable)");
  EXPECT_HAS(c.diagnosis, "stream/dot/fp32/2GiB failed verification (3 wrong of 268435456): 3 values differ");
  EXPECT_HAS(c.diagnosis, "stream/add/fp64/2GiB broke: cudaErrorIllegalAddress (700) in add");
  EXPECT_HAS(c.fix, "dcgmi diag -r 3");
  EXPECT_HAS(c.fix, "gpucert doctor");
}

TEST(Conformance, ResultsVerifiedIsWaivedWhereNothingVerifiableRan) {
  auto run = empty_run();
  run.ranks = {usable_rank(0, "node-a"), unusable_rank(1, "node-b"), usable_rank(2, "node-c")};
  run.results = {
      unavailable_result("gemm", "gemm/fp16/4096x4096x4096", "libcublasLt.so.13: cannot open", placement(0, "node-a"))};
  const auto checks = results_verified_checks(run);
  ASSERT_EQ(checks.size(), 3u);
  // Rank by rank; those that produced nothing say why.
  EXPECT_EQ(checks[0].subject, "rank 0");
  EXPECT_EQ(checks[0].verdict, Verdict::Waived);
  EXPECT_EQ(checks[0].evidence, "nothing verifiable ran: 1 unavailable");
  EXPECT_EQ(checks[1].subject, "rank 1");
  EXPECT_EQ(checks[1].verdict, Verdict::Waived);
  EXPECT_HAS(checks[1].evidence, "no GPU is usable on this rank");
  EXPECT_EQ(checks[2].subject, "rank 2");
  EXPECT_EQ(checks[2].evidence, "no measurement ran on this rank");
}

TEST(Conformance, ResultsAreGroupedByTheEnvironmentTheyRanIn) {
  auto run = healthy_run();
  auto in_container = stream_result("copy", "fp64", 1.5e-3, placement(0, "node-a"));
  in_container.environment = "cuda-13.0-runtime/oci";
  run.results.push_back(in_container);
  EXPECT_EQ(environment_of(in_container), "cuda-13.0-runtime/oci");
  EXPECT_EQ(environment_of(run.results[0]), "native");
  const auto checks = results_verified_checks(run);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].environment, "native");
  EXPECT_EQ(checks[1].environment, "cuda-13.0-runtime/oci");
  EXPECT_EQ(checks[1].evidence, "1 measurement(s) ran and verified: 268435456 value(s) checked, 0 wrong");
}

// ---- workload-availability --------------------------------------------------------------------------------

TEST(Conformance, UnavailableWorkloadIsWaivedWithTheLoadersMessage) {
  const auto checks = workload_availability_checks(healthy_run());
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].subject, "stream");
  EXPECT_EQ(checks[0].verdict, Verdict::Pass);
  EXPECT_EQ(checks[0].evidence, "available on rank 0: worker: built into gpucert-worker");
  EXPECT_EQ(checks[1].subject, "gemm");
  EXPECT_EQ(checks[1].evidence, "available on rank 0: libgpucert-gemm.so: cuBLASLt 13.0.0");
  EXPECT_EQ(checks[2].subject, "conv");
  EXPECT_EQ(checks[2].verdict, Verdict::Waived);
  EXPECT_EQ(checks[2].rank, -1);
  EXPECT_EQ(checks[2].evidence,
            "unavailable on rank 0: libcudnn.so.9: cannot open shared object file: No such file or directory");
}

TEST(Conformance, AvailabilityGathersRanksWithTheSameMessage) {
  auto run = empty_run();
  run.ranks = {usable_rank(0, "a"), usable_rank(1, "b"), usable_rank(2, "c")};
  for (int r : {0, 1})
    run.results.push_back(
        unavailable_result("gemm", "gemm/fp16/4096x4096x4096", "libcublasLt.so.13: missing", placement(r, "x")));
  run.results.push_back(gemm_result("fp16", 700, placement(2, "c")));
  const auto& c = only(workload_availability_checks(run));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_EQ(c.evidence,
            "unavailable on ranks 0, 1: libcublasLt.so.13: missing; available on rank 2: libgpucert-gemm.so: cuBLASLt "
            "13.0.0");
}

// ---- performance-floor ------------------------------------------------------------------------------------

Thresholds test_thresholds() {
  auto parsed = parse_thresholds(R"({
    "$comment": "for the test",
    "NVIDIA H100 80GB HBM3": {
      "stream/triad": {"min_GBps": 1905, "source": "DCGM"},
      "stream/triad/fp32": {"min_GBps": 3100, "source": "stricter, longer key"},
      "gemm/fp16/4096x4096x4096": {"min_TFLOPs": 636.6, "measured_TFLOPs": 749, "source": "measured"},
      "gemm/bf16": {"min_GBps": 1, "source": "wrong unit on purpose"}}})",
                                 "test-thresholds.json");
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return parsed.ok() ? *parsed : Thresholds{};
}

TEST(Conformance, PerformanceFloorComparesTheMedianWithTheLongestMatchingKey) {
  auto run = healthy_run();
  run.results.push_back(gemm_result("fp16", 500, placement(0, "node-a")));
  const auto checks = performance_floor_checks(run, test_thresholds());
  // copy fp64 (derived: the table has no copy key), triad fp64 (DCGM floor), copy fp32 (derived), triad fp32
  // (its own floor), gemm fp16 twice, gemm bf16 (unit mismatch).
  ASSERT_EQ(checks.size(), 7u);
  EXPECT_EQ(checks[0].subject, "stream/copy/fp64/2GiB rank 0");
  EXPECT_HAS(checks[0].evidence, "derived from the hardware");
  EXPECT_EQ(checks[1].subject, "stream/triad/fp64/2GiB rank 0");
  EXPECT_EQ(checks[1].verdict, Verdict::Pass);
  EXPECT_HAS(checks[1].evidence, "floor 1905.0 GB/s per model for NVIDIA H100 80GB HBM3 from 'stream/triad' (DCGM)");
  EXPECT_EQ(checks[3].subject, "stream/triad/fp32/2GiB rank 0");
  EXPECT_EQ(checks[3].verdict, Verdict::Fail);
  EXPECT_HAS(checks[3].evidence, "from 'stream/triad/fp32'");
  EXPECT_HAS(checks[3].diagnosis, "% below the floor");
  EXPECT_HAS(checks[3].fix, "dcgmi diag -r memory_bandwidth");
  EXPECT_EQ(checks[4].verdict, Verdict::Pass);
  EXPECT_HAS(checks[4].evidence, "median 749.0 TFLOP/s");
  EXPECT_EQ(checks[5].subject, "gemm/bf16/4096x4096x4096 rank 0");
  EXPECT_EQ(checks[5].verdict, Verdict::Waived);
  EXPECT_HAS(checks[5].evidence, "is in GB/s but the measurement reports TFLOP/s");
  EXPECT_EQ(checks[6].verdict, Verdict::Fail);
  EXPECT_HAS(checks[6].diagnosis, "21.5% below the floor and 33.2% below the 749.0 TFLOP/s measured on a healthy");
  EXPECT_HAS(checks[6].fix, "nvidia-smi -q -d PERFORMANCE,POWER,CLOCK");
}

TEST(Conformance, AGpuWithoutFloorsInTheTableIsJudgedAgainstFloorsFromItsHardware) {
  auto run = empty_run();
  run.ranks = {usable_rank(0, "node-a")};
  const auto at = placement(0, "node-a", "NVIDIA A100-SXM4-80GB");
  run.results = {stream_result("copy", "fp64", 2e-3, at), stream_result("triad", "fp64", 3e-3, at)};
  const auto checks = performance_floor_checks(run, test_thresholds());
  ASSERT_EQ(checks.size(), 2u);
  for (const auto& c : checks) {
    EXPECT_NE(c.verdict, Verdict::Waived);
    EXPECT_HAS(c.evidence, "derived from the hardware: 78% of the 3352 GB/s peak of 2 x 2619 MHz x 5120-bit memory");
  }
}

TEST(Conformance, PerformanceFloorIsWaivedOncePerRankOnlyWhereCudaDidNotDescribeTheGpu) {
  auto run = empty_run();
  run.ranks = {usable_rank(0, "node-a")};
  run.ranks[0].probe.devices[0].memory_clock_khz = 0;
  const auto at = placement(0, "node-a", "NVIDIA A100-SXM4-80GB");
  run.results = {stream_result("copy", "fp64", 2e-3, at), stream_result("triad", "fp64", 3e-3, at)};
  const auto& c = only(performance_floor_checks(run, test_thresholds()));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_EQ(c.subject, "rank 0");
  EXPECT_HAS(c.evidence,
             "no performance floors for 'NVIDIA A100-SXM4-80GB' in test-thresholds.json, and none can be "
             "derived: CUDA did not report the memory clock and bus width");
}

TEST(Conformance, PerformanceFloorSkipsResultsThatDidNotVerify) {
  auto run = empty_run();
  run.ranks = {usable_rank(0, "node-a")};
  run.results = {stream_result("triad", "fp64", 20e-3, placement(0, "node-a"), RunStatus::Failed)};
  EXPECT_TRUE(performance_floor_checks(run, test_thresholds()).empty());
}

// ---- the whole run ----------------------------------------------------------------------------------------

TEST(Conformance, HealthyRunPassesEveryNativeCheckAgainstTheShippedFloors) {
  auto run = healthy_run();
  run.checks = conformance_checks(run, embedded_thresholds());
  EXPECT_EQ(count_verdict(run.checks, Verdict::Fail), 0u);
  EXPECT_EQ(named(run.checks, "gpu-visible").size(), 1u);
  EXPECT_EQ(named(run.checks, "driver-runtime-alignment").size(), 1u);
  EXPECT_EQ(named(run.checks, "results-verified").size(), 1u);
  EXPECT_EQ(named(run.checks, "workload-availability").size(), 3u);
  // Every stream kernel and both GEMMs have a floor: the table's "stream" prefix covers copy fp32 too.
  EXPECT_EQ(named(run.checks, "performance-floor").size(), 6u);
  EXPECT_EQ(run.exit_code(), kExitPassed);
}

TEST(Conformance, AFailedCheckFailsTheRunAndTheVerdictNamesIt) {
  auto run = healthy_run();
  run.results[1] = stream_result("triad", "fp64", 6e-3, placement(0, "node-a"));  // 1074 GB/s: below 2680
  EXPECT_EQ(run.exit_code(), kExitPassed);  // before the checks are derived, results alone decide
  run.checks = conformance_checks(run, embedded_thresholds());
  EXPECT_EQ(run.exit_code(), kExitCheckFailed);
  EXPECT_HAS(run.verdict(), "1 of 18 conformance check(s) failed (performance-floor)");
  const auto j = to_json(run);
  ASSERT_TRUE(j.contains("checks"));
  EXPECT_EQ(j["checks"].size(), run.checks.size());
  EXPECT_EQ(j["verdict"]["checks"]["fail"], 1);
  EXPECT_EQ(j["verdict"]["exit_code"], kExitCheckFailed);
  for (std::size_t i = 0; i < run.checks.size(); ++i) {
    auto back = check_from_json(j["checks"][i]);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(to_json(*back), j["checks"][i]);
  }
}

TEST(Conformance, RecordWithoutChecksSerializesAsBefore) {
  const auto j = to_json(healthy_run());
  EXPECT_FALSE(j.contains("checks"));
  EXPECT_FALSE(j["verdict"].contains("checks"));
}

TEST(Conformance, CheckFromJsonRefusesAnUnknownVerdict) {
  auto bad = check_from_json({{"name", "gpu-visible"}, {"verdict", "maybe"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_HAS(bad.error().message, "unknown verdict \"maybe\"");
  EXPECT_FALSE(check_from_json({{"verdict", "pass"}}).ok());
}

// ---- thresholds -------------------------------------------------------------------------------------------

TEST(Thresholds, ShippedFileParsesAndCitesItsSources) {
  const auto& t = embedded_thresholds();
  EXPECT_EQ(t.source, "embedded:thresholds");
  ASSERT_TRUE(t.covers("NVIDIA H100 80GB HBM3"));
  const auto* triad = t.floor_for("NVIDIA H100 80GB HBM3", "stream/triad/fp64/4GiB");
  ASSERT_NE(triad, nullptr);
  EXPECT_EQ(triad->key, "stream");
  EXPECT_EQ(triad->minimum, 2680);
  EXPECT_EQ(triad->datasheet, 3350);
  EXPECT_HAS(triad->source, "80% of the H100 datasheet (SXM5) memory bandwidth");
  // Every GPU model the datacenter runs has its table, each floor a stated fraction of a datasheet peak.
  for (const char* gpu : {"NVIDIA A100-SXM4-40GB", "NVIDIA A100-SXM4-80GB", "NVIDIA A100-PCIE-40GB",
                          "NVIDIA A100 80GB PCIe", "NVIDIA H100 PCIe", "NVIDIA H100 NVL", "NVIDIA H200",
                          "NVIDIA GH200 480GB", "NVIDIA B200", "NVIDIA L40S", "NVIDIA L4"}) {
    ASSERT_TRUE(t.covers(gpu)) << gpu;
    const auto* stream = t.floor_for(gpu, "stream/copy/fp64/2GiB");
    ASSERT_NE(stream, nullptr) << gpu;
    ASSERT_TRUE(stream->datasheet.has_value()) << gpu;
    EXPECT_NEAR(stream->minimum, 0.80 * *stream->datasheet, 0.1) << gpu;
    ASSERT_NE(t.floor_for(gpu, "gemm/fp16/4096x4096x4096"), nullptr) << gpu;
  }
  const auto* fp8 = t.floor_for("NVIDIA H100 80GB HBM3", "gemm/fp8/4096x4096x4096");
  ASSERT_NE(fp8, nullptr);
  EXPECT_EQ(fp8->metric, Metric::Throughput);
  EXPECT_NEAR(fp8->minimum, 0.85 * 1298, 0.1);
  ASSERT_TRUE(fp8->measured.has_value());
  EXPECT_EQ(*fp8->measured, 1298);
  EXPECT_HAS(fp8->source, "gpucert, H100 80GB HBM3, driver 580.159.04, 2026-11-25");
  for (const auto& [gpu, floors] : t.gpus)
    for (const auto& f : floors) EXPECT_FALSE(f.source.empty()) << gpu << " " << f.key;
}

TEST(Thresholds, KeysMatchWholeSegmentsOnly) {
  const auto t = test_thresholds();
  EXPECT_EQ(t.floor_for("NVIDIA H100 80GB HBM3", "stream/triad")->key, "stream/triad");
  EXPECT_EQ(t.floor_for("NVIDIA H100 80GB HBM3", "stream/triad/fp32/2GiB")->key, "stream/triad/fp32");
  EXPECT_EQ(t.floor_for("NVIDIA H100 80GB HBM3", "stream/triadx/fp64/2GiB"), nullptr);
  EXPECT_EQ(t.floor_for("NVIDIA H100 80GB HBM3", "stream/copy/fp64/2GiB"), nullptr);
  EXPECT_EQ(t.floor_for("NVIDIA H100 PCIe", "stream/triad/fp64/2GiB"), nullptr);
  EXPECT_FALSE(t.covers("NVIDIA H100 PCIe"));
}

TEST(Thresholds, RefusesWhatItCannotUseNamingEveryProblem) {
  const auto bad = parse_thresholds(R"({
    "GPU A": {
      "strem/triad": {"min_GBps": 1, "source": "s"},
      "stream/copy": {"min_GBps": 1, "min_TFLOPs": 2, "source": "s"},
      "stream/add": {"min_GBps": -3, "source": "s"},
      "stream/mul": {"min_GBps": 10},
      "stream/dot": {"min_GBps": 10, "measured_GBps": 5, "source": "s"},
      "stream/nstream": {"min_GBps": 10, "source": "s", "note": "x"}},
    "GPU B": []})",
                                    "t.json");
  ASSERT_FALSE(bad.ok());
  const auto& m = bad.error().message;
  EXPECT_HAS(m, "t.json: \"GPU A\".\"strem/triad\": not a measurement id or id prefix of a known workload");
  EXPECT_HAS(m, "\"GPU A\".\"stream/copy\": needs exactly one of min_GBps (bandwidth) and min_TFLOPs");
  EXPECT_HAS(m, "\"GPU A\".\"stream/add\".min_GBps: expected a positive number, got -3");
  EXPECT_HAS(m, "\"GPU A\".\"stream/mul\".source: missing");
  EXPECT_HAS(m, "\"GPU A\".\"stream/dot\": the floor is above the figure it was derived from");
  EXPECT_HAS(m, "\"GPU A\".\"stream/nstream\".note");
  EXPECT_HAS(m, "\"GPU B\": expected an object of measurement ids, got an array");
  EXPECT_HAS(parse_thresholds("[1]", "t.json").error().message, "t.json: expected an object of GPU names");
  EXPECT_HAS(parse_thresholds("{", "t.json").error().message, "t.json: not valid JSON");
  const auto overflow = parse_thresholds(R"({"GPU A": {"stream/triad/fp64": {"min_GBps": 1e400}}})", "t.json");
  ASSERT_FALSE(overflow.ok());
  EXPECT_HAS(overflow.error().message, "t.json: not valid JSON: the number 1e400 is beyond the range of a double");
}

}  // namespace
}  // namespace gpucert

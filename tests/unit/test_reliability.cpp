// What keeps a run honest when things break (docs/RELIABILITY.md): bytes that are not UTF-8, retries of results
// that broke, INCOMPLETE verdicts, recorded verdict inputs, per-measurement deadlines and caps applied before
// anything is listed.
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "coordinator/resume.hpp"
#include "core/line_reader.hpp"
#include "core/run_record.hpp"
#include "core/suite.hpp"
#include "core/utf8.hpp"
#include "core/verdict_inputs.hpp"
#include "reports/markdown_report.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

ResultRecord result(const std::string& id, int rank, RunStatus status, const std::string& environment = "native") {
  ResultRecord r;
  r.measurement.id = id;
  r.placement.rank = rank;
  r.environment = environment;
  r.reply.status = status;
  r.reply.message = std::string(name_of(status)) + " here";
  return r;
}

RankRecord rank(int number, bool usable) {
  RankRecord r;
  r.placement.rank = number;
  r.usable = usable;
  return r;
}

TEST(Utf8, WellFormedTextIsKeptAndEveryBadByteBecomesOneReplacement) {
  EXPECT_EQ(valid_utf8("plain ascii"), "plain ascii");
  EXPECT_EQ(valid_utf8("H\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "H\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(valid_utf8("a\xFFz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(valid_utf8("\xC3"), "\xEF\xBF\xBD");                                  // cut short
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80").size(), 12u);                          // above U+10FFFF
  EXPECT_TRUE(is_valid_utf8("H\xC3\xA9"));
  EXPECT_FALSE(is_valid_utf8("0\xFF"));
  // nlohmann throws type_error.316 on such a string; dump_json writes it.
  const nlohmann::json j = {{"env", std::string("0\xFF")}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);
  EXPECT_EQ(dump_json(j), "{\"env\":\"0\xEF\xBF\xBD\"}");
}

TEST(Retries, AResultThatBrokeIsTriedAgainUpToThreeAttempts) {
  auto broken = result("m", 0, RunStatus::Crashed);
  coordinator::RecordedResults first({broken});
  EXPECT_FALSE(first.contains(broken)) << "a crashed result with attempts left is not done";
  EXPECT_TRUE(coordinator::RecordedResults({result("m", 0, RunStatus::Failed)}).contains("m", "native", 0))
      << "a verification failure is a finding, not something to retry";
  auto second = result("m", 0, RunStatus::TimedOut);
  coordinator::carry_attempts(broken, second);
  ASSERT_EQ(second.earlier_attempts.size(), 1u);
  EXPECT_EQ(second.earlier_attempts[0]["status"], "crashed");
  auto third = result("m", 0, RunStatus::Error);
  coordinator::carry_attempts(second, third);
  ASSERT_EQ(third.earlier_attempts.size(), 2u);
  EXPECT_EQ(third.earlier_attempts[1]["status"], "timed_out");
  EXPECT_TRUE(coordinator::RecordedResults({third}).contains(third)) << "the third attempt is the last";
  // The history survives results.jsonl.
  auto back = result_from_json(to_json(third));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->earlier_attempts, third.earlier_attempts);
}

TEST(Verdict, MissingMeasurementsMakeTheRunIncompleteNeverPassed) {
  RunRecord run;
  run.ranks = {rank(0, true), rank(1, true)};
  run.plan = {"a", "b", "c"};
  run.results = {result("a", 0, RunStatus::Ok), result("a", 1, RunStatus::Ok), result("b", 0, RunStatus::Ok)};
  const auto c = run.completeness();
  EXPECT_EQ(c.incomplete, 2u);
  EXPECT_EQ(c.never_started, 1u);
  EXPECT_EQ(c.results_missing, 3u);
  EXPECT_EQ(run.exit_code(), kExitIncomplete);
  EXPECT_HAS(run.verdict(),
             "INCOMPLETE: 2 of 3 measurement(s) of the suite lack results (1 never ran, 3 result(s) "
             "missing, e.g. b)");
  const auto j = to_json(run);
  EXPECT_EQ(j["verdict"]["incomplete"]["never_started"], 1);
  EXPECT_EQ(j["verdict"]["exit_code"], 4);
  // A failure still fails; the verdict names both.
  run.results.push_back(result("c", 0, RunStatus::Failed));
  EXPECT_EQ(run.exit_code(), kExitCheckFailed);
  EXPECT_HAS(run.verdict(), "INCOMPLETE");
  EXPECT_HAS(run.verdict(), "1 of 4 result(s) failed");
  // Complete: every usable rank has every measurement.
  run.results = {result("a", 0, RunStatus::Ok), result("a", 1, RunStatus::Ok), result("b", 0, RunStatus::Ok),
                 result("b", 1, RunStatus::Ok), result("c", 0, RunStatus::Ok), result("c", 1, RunStatus::Ok)};
  EXPECT_EQ(run.exit_code(), kExitPassed);
  EXPECT_EQ(run.verdict().find("INCOMPLETE"), std::string::npos);
  // A crashed result is a result: the run is complete, and failed.
  run.results.back().reply.status = RunStatus::Crashed;
  EXPECT_EQ(run.exit_code(), kExitCheckFailed);
  EXPECT_TRUE(run.completeness().complete());
  EXPECT_EQ(to_json(run)["verdict"]["counts"]["crashed"], 1);
}

TEST(Verdict, InputsComeBackAsRecordedAndJudgeTheSameWay) {
  auto floors = parse_thresholds(R"({"GPU X": {"stream/triad/fp64": {"min_GBps": 100, "source": "test"}}})", "f.json");
  ASSERT_TRUE(floors.ok()) << floors.error().message;
  const auto inputs = make_verdict_inputs(*floors, 0.9);
  EXPECT_EQ(inputs.parity_threshold_source, "suite");
  const auto back = verdict_inputs_from_json(nlohmann::json::parse(to_json(inputs).dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_DOUBLE_EQ(back->parity_threshold, 0.9);
  EXPECT_EQ(back->thresholds_source, "f.json");
  auto again = thresholds_of(*back);
  ASSERT_TRUE(again.ok()) << again.error().message;
  ASSERT_NE(again->floor_for("GPU X", "stream/triad/fp64/1GiB"), nullptr);
  EXPECT_DOUBLE_EQ(again->floor_for("GPU X", "stream/triad/fp64/1GiB")->minimum, 100);
  EXPECT_EQ(make_verdict_inputs(*floors, std::nullopt).parity_threshold, kDefaultParityThreshold);
  auto bad = to_json(inputs);
  bad["parity_threshold"] = 7;
  EXPECT_FALSE(verdict_inputs_from_json(bad).ok());
}

TEST(SuiteLimits, TimeoutsComeFromTheItemOrTheDefaults) {
  auto suite = parse_suite(R"({"schema_version":1,"name":"t","defaults":{"timeout_s":40},"items":[
      {"workload":"stream","kernels":["copy"],"precisions":["fp32"],"array_bytes":1048576},
      {"workload":"stream","kernels":["mul"],"precisions":["fp32"],"array_bytes":1048576,"timeout_s":5}]})",
                           "t.json");
  ASSERT_TRUE(suite.ok()) << suite.error().message;
  ASSERT_EQ(suite->plan.size(), 2u);
  EXPECT_EQ(suite->plan[0].timeout_s, 40);
  EXPECT_EQ(suite->plan[1].timeout_s, 5);
  auto bad = parse_suite(R"({"schema_version":1,"name":"t","items":[
      {"workload":"stream","kernels":["copy"],"precisions":["fp32"],"timeout_s":0}]})",
                         "t.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_HAS(bad.error().message, "items[0].timeout_s");
}

TEST(SuiteLimits, AStepSweepIsCountedBeforeItIsListed) {
  // 64 GiB in steps of one byte: refused at once, without listing 68 billion sizes.
  auto suite = parse_suite(R"({"schema_version":1,"name":"t","items":[
      {"workload":"nccl","begin_bytes":1,"end_bytes":68719476736,"step_bytes":1}]})",
                           "t.json");
  ASSERT_FALSE(suite.ok());
  EXPECT_HAS(suite.error().message, "the sweep has 68719476736 sizes; at most 1024 per item");
}

TEST(SuiteLimits, AnEmptyArrayIsCalledOne) {
  auto suite = parse_suite(R"({"schema_version":1,"name":"t","items":[]})", "t.json");
  ASSERT_FALSE(suite.ok());
  EXPECT_HAS(suite.error().message, "items: expected a non-empty array, got an empty array");
}

}  // namespace
}  // namespace gpucert

namespace gpucert {
namespace {

TEST(Isolation, StickyCudaErrorsAreRecognised) {
  EXPECT_TRUE(poisons_context("cudaMemcpy: cudaErrorIllegalAddress (700): an illegal memory access was encountered"));
  EXPECT_TRUE(poisons_context("cuLaunchKernel: CUDA_ERROR_LAUNCH_FAILED"));
  EXPECT_FALSE(poisons_context("cudaMalloc: cudaErrorMemoryAllocation (2): out of memory"));
  EXPECT_FALSE(poisons_context("cublasLtMatmul: CUBLAS_STATUS_NOT_SUPPORTED"));
  EXPECT_TRUE(broke(RunStatus::Crashed) && broke(RunStatus::TimedOut) && broke(RunStatus::Error));
  EXPECT_FALSE(broke(RunStatus::Failed) || broke(RunStatus::Unavailable));
  EXPECT_EQ(parse_run_status("timed_out"), RunStatus::TimedOut);
  EXPECT_EQ(name_of(RunStatus::Crashed), "crashed");
}

}  // namespace
}  // namespace gpucert

namespace gpucert {
namespace {

TEST(Escaping, OutsideTextCannotInjectMarkdown) {
  EXPECT_EQ(reports::markdown_cell("<script>*x*</script> [a](b) `c` & d|e\\"),
            "\\<script\\>\\*x\\*\\</script\\> \\[a\\](b) \\`c\\` \\& d\\|e\\\\");
  EXPECT_EQ(reports::markdown_cell("all_reduce on GPU 0"), "all_reduce on GPU 0");
}

}  // namespace
}  // namespace gpucert

namespace gpucert {
namespace {

TEST(Bounds, ALineLongerThanTheLimitIsDroppedNotHeld) {
  std::istringstream in("short\n" + std::string(100, 'x') + "\nlast");
  std::string line;
  EXPECT_EQ(read_bounded_line(in, line, 10), LineRead::Line);
  EXPECT_EQ(line, "short");
  EXPECT_EQ(read_bounded_line(in, line, 10), LineRead::TooLong);
  EXPECT_EQ(line.size(), 10u);
  EXPECT_EQ(read_bounded_line(in, line, 10), LineRead::Line);
  EXPECT_EQ(line, "last");
  EXPECT_EQ(read_bounded_line(in, line, 10), LineRead::End);
}

}  // namespace
}  // namespace gpucert

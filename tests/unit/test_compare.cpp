// `gpucert compare`: a drop is a regression only beyond the threshold and beyond the runs' own noise; a
// check that starts failing is one too; what one side lacks is listed, not hidden.
#include <string>

#include <gtest/gtest.h>

#include "report_fixtures.hpp"
#include "reports/compare.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

using namespace fixtures;

// triad fp64 on rank 0 with the given median time and spread (samples median * (1 - spread, 1, 1 + spread)).
ResultRecord triad(double median_s, double spread = 0.01) {
  auto r = stream_result("triad", "fp64", median_s, placement(0, "node-a"));
  r.reply.samples_s = {median_s * (1 - spread), median_s, median_s * (1 + spread)};
  return make_record(r.measurement, r.placement, r.reply);
}

RunRecord run_with(std::vector<ResultRecord> results) {
  auto run = empty_run();
  run.ranks = {usable_rank(0, "node-a")};
  run.results = std::move(results);
  return run;
}

Check check(const std::string& name, Verdict verdict) {
  return {name, "native", "rank 0", 0, verdict, "evidence", "", ""};
}

TEST(Compare, IdenticalRunsHaveNoRegression) {
  const auto run = healthy_run();
  const auto c = reports::compare_runs(run, run);
  EXPECT_EQ(c.measurements.size(), 6u);  // the unavailable conv has no figure
  for (const auto& m : c.measurements) {
    EXPECT_DOUBLE_EQ(m.ratio, 1.0);
    EXPECT_FALSE(m.regression);
  }
  EXPECT_TRUE(c.verdicts.empty());
  EXPECT_TRUE(c.only_old.empty());
  EXPECT_TRUE(c.only_new.empty());
  EXPECT_EQ(c.regressions(), 0u);
}

TEST(Compare, ADropBeyondThresholdAndNoiseIsARegression) {
  // 10% slower (ratio 1/1.1 = 0.909) with a 1% coefficient of variation: 9.1% > 5% and > 3 x 1%.
  const auto c = reports::compare_runs(run_with({triad(2.0e-3)}), run_with({triad(2.2e-3)}));
  ASSERT_EQ(c.measurements.size(), 1u);
  const auto& m = c.measurements[0];
  EXPECT_EQ(m.id, "stream/triad/fp64/2GiB");
  EXPECT_EQ(m.rank, 0);
  EXPECT_EQ(m.environment, "native");
  EXPECT_NEAR(m.ratio, 1 / 1.1, 1e-12);
  EXPECT_NEAR(m.old_cv, 0.01, 1e-12);
  EXPECT_TRUE(m.regression);
  EXPECT_EQ(c.regressions(), 1u);
}

TEST(Compare, ADropWithinEitherRunsNoiseIsNot) {
  // The same 9.1% drop where NEW's repetitions spread by 4% (CV 4%): 3 x 4% = 12% of noise covers it.
  auto noisy = reports::compare_runs(run_with({triad(2.0e-3)}), run_with({triad(2.2e-3, 0.04)}));
  EXPECT_FALSE(noisy.measurements.at(0).regression);
  // And OLD's noise counts as much as NEW's.
  EXPECT_FALSE(reports::compare_runs(run_with({triad(2.0e-3, 0.04)}), run_with({triad(2.2e-3)})).regressions());
}

TEST(Compare, ADropWithinTheThresholdIsNot) {
  const auto small = reports::compare_runs(run_with({triad(2.0e-3, 0.001)}), run_with({triad(2.08e-3, 0.001)}));
  EXPECT_FALSE(small.measurements.at(0).regression);  // 3.8% slower
  reports::CompareOptions strict;
  strict.threshold = 0.02;
  EXPECT_TRUE(reports::compare_runs(run_with({triad(2.0e-3, 0.001)}), run_with({triad(2.08e-3, 0.001)}), strict)
                  .measurements.at(0)
                  .regression);
  // Faster is never a regression.
  EXPECT_FALSE(reports::compare_runs(run_with({triad(2.2e-3)}), run_with({triad(2.0e-3)})).regressions());
}

TEST(Compare, ACheckThatStartsFailingIsARegression) {
  auto old_run = run_with({triad(2e-3)}), new_run = run_with({triad(2e-3)});
  old_run.checks = {check("gpu-visible", Verdict::Pass), check("performance-floor", Verdict::Waived),
                    check("results-verified", Verdict::Fail), check("workload-availability", Verdict::Pass)};
  new_run.checks = {check("gpu-visible", Verdict::Fail), check("performance-floor", Verdict::Fail),
                    check("results-verified", Verdict::Pass), check("driver-runtime-alignment", Verdict::Fail)};
  const auto c = reports::compare_runs(old_run, new_run);
  ASSERT_EQ(c.verdicts.size(), 5u);
  EXPECT_EQ(c.verdicts[0].name, "gpu-visible");  // pass -> fail
  EXPECT_TRUE(c.verdicts[0].regression);
  EXPECT_EQ(c.verdicts[1].name, "performance-floor");  // waived -> fail: a new failure all the same
  EXPECT_TRUE(c.verdicts[1].regression);
  EXPECT_EQ(c.verdicts[2].name, "results-verified");  // fail -> pass: fixed
  EXPECT_FALSE(c.verdicts[2].regression);
  EXPECT_EQ(c.verdicts[3].name, "driver-runtime-alignment");  // new, failing
  EXPECT_FALSE(c.verdicts[3].old_verdict.has_value());
  EXPECT_TRUE(c.verdicts[3].regression);
  EXPECT_EQ(c.verdicts[4].name, "workload-availability");  // gone
  EXPECT_FALSE(c.verdicts[4].new_verdict.has_value());
  EXPECT_FALSE(c.verdicts[4].regression);
  EXPECT_EQ(c.regressions(), 3u);
}

TEST(Compare, MeasurementsOnOneSideOnlyAreListed) {
  auto copy = stream_result("copy", "fp64", 1.43e-3, placement(0, "node-a"));
  auto other_rank = stream_result("triad", "fp64", 2e-3, placement(1, "node-b"));
  const auto c = reports::compare_runs(run_with({triad(2e-3), copy}), run_with({triad(2e-3), other_rank}));
  EXPECT_EQ(c.measurements.size(), 1u);
  ASSERT_EQ(c.only_old.size(), 1u);
  EXPECT_EQ(c.only_old[0], "stream/copy/fp64/2GiB rank 0");
  ASSERT_EQ(c.only_new.size(), 1u);
  EXPECT_EQ(c.only_new[0], "stream/triad/fp64/2GiB rank 1");
  EXPECT_EQ(c.regressions(), 0u);
}

TEST(Compare, EnvironmentsAreComparedSeparately) {
  auto in_container = triad(2.5e-3);
  in_container.environment = "cuda-13.0-runtime/oci";
  const auto c = reports::compare_runs(run_with({triad(2e-3), in_container}), run_with({triad(2e-3), in_container}));
  ASSERT_EQ(c.measurements.size(), 2u);
  EXPECT_EQ(c.measurements[1].environment, "cuda-13.0-runtime/oci");
  EXPECT_DOUBLE_EQ(c.measurements[1].ratio, 1.0);
}

TEST(Compare, TableNamesRegressionsAndSummarises) {
  auto old_run = run_with({triad(2.0e-3)}), new_run = run_with({triad(2.2e-3)});
  new_run.checks = {check("performance-floor", Verdict::Fail)};
  const reports::CompareOptions options;
  const auto text = reports::render_comparison(reports::compare_runs(old_run, new_run), options);
  EXPECT_HAS(text, "a regression drops more than 5.0% and more than 3.0x the larger coefficient of variation");
  EXPECT_HAS(text, "stream/triad/fp64/2GiB  0     3221.2 GB/s  2928.4 GB/s  0.909    1.00%   1.00%   REGRESSION");
  EXPECT_HAS(text, "REGRESSION");
  EXPECT_HAS(text, "performance-floor rank 0  native       absent  fail  REGRESSION");
  EXPECT_HAS(text, "1 measurement(s) compared: 1 regression(s); 1 check(s) newly failing");
}

}  // namespace
}  // namespace gpucert

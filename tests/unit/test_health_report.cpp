// The health section of report.md and report.html (reports/health_report.hpp): every rank of a small run, and
// of a cluster's run only the ranks with something to say.
#include <string>

#include <gtest/gtest.h>

#include "reports/cluster_sections.hpp"
#include "reports/health_report.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

RunRecord run_of(int ranks, int failing_rank) {
  RunRecord run;
  for (int r = 0; r < ranks; ++r) {
    RankRecord rank;
    rank.placement.rank = r;
    rank.placement.host = "node-" + std::to_string(r / 8);
    run.ranks.push_back(rank);
    run.checks.push_back({"exclusive-use", "native", "rank " + std::to_string(r), r, Verdict::Pass,
                          "only gpucert's worker computed on the GPU", "", ""});
  }
  run.checks.push_back({"xid-events", "native", "rank " + std::to_string(failing_rank), failing_rank, Verdict::Fail,
                        "Xid 79 (GPU has fallen off the bus)", "", ""});
  return run;
}

TEST(HealthReport, ASmallRunShowsEveryRank) {
  const auto run = run_of(8, 3);
  const auto md = reports::health_markdown(run);
  for (int r = 0; r < 8; ++r) EXPECT_HAS(md, "### Rank " + std::to_string(r) + " on");
  EXPECT_HAS(md, "| xid-events | fail | Xid 79 (GPU has fallen off the bus) |");
  EXPECT_LACKS(md, "other rank(s)");
}

TEST(HealthReport, AClusterRunShowsOnlyTheRanksWithSomethingToSay) {
  const int ranks = static_cast<int>(reports::kRanksWithResultRows) + 36;
  const auto run = run_of(ranks, 77);
  for (const auto& text : {reports::health_markdown(run), reports::health_html(run)}) {
    EXPECT_HAS(text, "Rank 77 on node-9");
    EXPECT_HAS(text, "Xid 79 (GPU has fallen off the bus)");
    EXPECT_LACKS(text, "Rank 76 ");
    EXPECT_HAS(text, std::to_string(ranks - 1) + " other rank(s) passed or were waived every health check");
  }
}

}  // namespace
}  // namespace gpucert

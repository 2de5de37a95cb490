// Peer verdicts (core/outliers.hpp) on simulated clusters (core/simulated_cluster.hpp): planted slow GPUs,
// nodes and node pairs come first in the suspect list, a clean cluster yields none, and the rules' edges
// (too few peers, a tight group's noise, a node made of slow GPUs) hold.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/json_fields.hpp"
#include "core/nccl_split.hpp"
#include "core/outliers.hpp"
#include "core/simulated_cluster.hpp"
#include "core/suite.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

Suite acceptance() {
  const std::string path = std::string(GPUCERT_SOURCE_DIR) + "/suites/acceptance.json";
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  auto suite = parse_suite(text.str(), path);
  EXPECT_TRUE(suite) << suite.error().message;
  // Fewer samples keep the test quick; the figures are the same.
  return *suite;
}

SimulatedCluster cluster(int nodes) {
  SimulatedCluster c;
  c.nodes = nodes;
  c.samples = 5;
  c.seed = 42;
  return c;
}

TEST(Outliers, CleanSimulatedClusterHasNoSuspect) {
  const auto run = simulate_run(acceptance(), cluster(32));
  const auto analysis = find_outliers(run);
  EXPECT_TRUE(analysis.suspects.empty()) << analysis.suspects.front().subject << ": "
                                         << join(analysis.suspects.front().evidence, "; ");
  EXPECT_GT(analysis.figures_judged, 256u * 60);  // 256 GPUs, every compute figure
  EXPECT_GT(analysis.nccl_groups_judged, 32u);    // per-node and per-pair all_reduce
  const auto checks = performance_peer_checks(analysis);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].verdict, Verdict::Pass);
  EXPECT_HAS(checks[0].evidence, "no GPU, node or node pair stands out");
}

TEST(Outliers, PlantedGpuNodeAndPairAreTheFirstSuspects) {
  auto c = cluster(32);
  c.slow_gpus.push_back({77, 0.7});      // node 9, GPU 5: 30% slower in GEMM and convolution
  c.slow_nodes.push_back({20, 0.8});     // every figure of node 20, 20% lower
  c.slow_pairs.push_back({4, 27, 0.6});  // the link between nodes 4 and 27 (paired in round 1) at 60%
  const auto run = simulate_run(acceptance(), c);
  const auto analysis = find_outliers(run);
  // Ranked by how far below their peers they are: the link (40%), the GPU (30%), the node (20%).
  ASSERT_EQ(analysis.suspects.size(), 3u);
  const auto& pair = analysis.suspects[0];
  EXPECT_EQ(pair.kind, SuspectKind::NodePair);
  EXPECT_EQ(pair.hosts, (std::vector<std::string>{"node-0004", "node-0027"}));
  EXPECT_EQ(pair.subject, "node-0004 and node-0027");
  EXPECT_NEAR(pair.worst_gap, 0.4, 0.05);
  EXPECT_HAS(pair.evidence.front(), "NCCL between the two nodes");
  const auto& gpu = analysis.suspects[1];
  EXPECT_EQ(gpu.kind, SuspectKind::Gpu);
  EXPECT_EQ(gpu.ranks, std::vector<int>{77});
  EXPECT_EQ(gpu.subject, "rank 77 (node-0009, GPU 5)");
  EXPECT_NEAR(gpu.worst_gap, 0.3, 0.06);
  EXPECT_HAS(gpu.evidence.front(), "% below the median");
  EXPECT_HAS(gpu.evidence.front(), "NVIDIA H100 80GB HBM3");
  const auto& node = analysis.suspects[2];
  EXPECT_EQ(node.kind, SuspectKind::Node);
  EXPECT_EQ(node.subject, "node-0020");
  EXPECT_EQ(node.ranks.size(), 8u);  // its GPUs are folded into the node's entry, not listed one by one
  EXPECT_HAS(join(node.evidence, "\n"), "8 of its 8 GPUs stand out");
  EXPECT_HAS(node.evidence.front(), "8 of its 8 GPUs stand out");

  const auto checks = performance_peer_checks(analysis);
  ASSERT_EQ(checks.size(), 3u);
  for (const auto& check : checks) EXPECT_EQ(check.verdict, Verdict::Fail);
  EXPECT_EQ(checks[1].rank, 77);
  EXPECT_HAS(checks[0].fix, "ibstat");
  EXPECT_HAS(checks[2].fix, "scontrol update nodename=NODE state=drain");
}

TEST(Outliers, ANodeWhoseLinksAreAllSlowIsTheNodeNotEachPair) {
  auto c = cluster(16);
  // Node 3's partners in the three pair rounds a run measures.
  std::vector<int> partners;
  for (const auto& round : node_pair_rounds(16, 3))  // the acceptance suite's pair_rounds
    for (const auto& [a, b] : round)
      if (a == 3 || b == 3) partners.push_back(a == 3 ? b : a);
  ASSERT_EQ(partners.size(), 3u);
  for (int partner : partners) c.slow_pairs.push_back({3, partner, 0.5});
  const auto analysis = find_outliers(simulate_run(acceptance(), c));
  ASSERT_EQ(analysis.suspects.size(), 1u);
  EXPECT_EQ(analysis.suspects[0].kind, SuspectKind::Node);
  EXPECT_EQ(analysis.suspects[0].subject, "node-0003");
  EXPECT_EQ(analysis.suspects[0].figures, 3u * 14);  // three partners, seven sizes from 64 MiB in fp32 and bf16
  EXPECT_HAS(analysis.suspects[0].evidence.front(), "with node-00");
}

TEST(Outliers, SlowGpusAreRankedByHowFarBelowTheirPeersTheyAre) {
  auto c = cluster(8);
  c.slow_gpus = {{10, 0.85}, {40, 0.5}, {3, 0.7}};
  const auto analysis = find_outliers(simulate_run(acceptance(), c));
  ASSERT_EQ(analysis.suspects.size(), 3u);
  EXPECT_EQ(analysis.suspects[0].ranks.front(), 40);
  EXPECT_EQ(analysis.suspects[1].ranks.front(), 3);
  EXPECT_EQ(analysis.suspects[2].ranks.front(), 10);
}

TEST(Outliers, ASmallGapInATightGroupIsNoise) {
  // Eight GPUs within 0.1% of each other and one 3% below: many MADs, but under the 5% gap.
  RunRecord run = simulate_run(acceptance(), [] {
    auto c = cluster(1);
    c.gpu_spread = 0.0005;
    c.figure_spread = 0.0005;
    c.sample_spread = 0;
    c.slow_gpus.push_back({2, 0.97});
    return c;
  }());
  EXPECT_TRUE(find_outliers(run).suspects.empty());
  OutlierOptions strict;
  strict.min_gap = 0.02;
  const auto flagged = find_outliers(run, strict);
  ASSERT_EQ(flagged.suspects.size(), 1u);
  EXPECT_EQ(flagged.suspects[0].ranks.front(), 2);
}

TEST(Outliers, TooFewPeersAreNotJudgedAndTheCheckSaysSo) {
  auto c = cluster(1);
  c.gpus_per_node = 2;
  c.slow_gpus.push_back({1, 0.5});
  const auto analysis = find_outliers(simulate_run(acceptance(), c));
  EXPECT_TRUE(analysis.suspects.empty());
  EXPECT_EQ(analysis.figures_judged, 0u);
  ASSERT_FALSE(analysis.notes.empty());
  EXPECT_HAS(analysis.notes.front(), "fewer than 3 GPUs of one model");
  const auto checks = performance_peer_checks(analysis);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].verdict, Verdict::Waived);
}

TEST(Outliers, OneCommunicatorOverManyHostsCannotIsolateANode) {
  auto c = cluster(4);
  c.split_nccl = false;
  const auto analysis = find_outliers(simulate_run(acceptance(), c));
  EXPECT_EQ(analysis.nccl_groups_judged, 0u);
  bool said = false;
  for (const auto& n : analysis.notes) said |= n.find("cannot be told apart") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(Outliers, GpusOfAnotherModelAreNotPeers) {
  auto run = simulate_run(acceptance(), cluster(2));
  // Rank 0 is a slower model: against the H100s it would stand out; alone it has no peers.
  for (auto& r : run.results)
    if (r.placement.rank == 0) {
      r.placement.device_name = "NVIDIA A100-SXM4-80GB";
      if (r.figures) r.figures->at_median *= 0.4;
    }
  EXPECT_TRUE(find_outliers(run).suspects.empty());
}

TEST(Outliers, JsonCarriesSuspectsAndCounts) {
  auto c = cluster(4);
  c.slow_gpus.push_back({5, 0.6});
  const auto j = to_json(find_outliers(simulate_run(acceptance(), c)));
  ASSERT_EQ(j["suspects"].size(), 1u);
  EXPECT_EQ(j["suspects"][0]["kind"], "gpu");
  EXPECT_EQ(j["suspects"][0]["hosts"][0], "node-0000");
  EXPECT_GT(j["figures_judged"].get<int>(), 0);
}

TEST(Outliers, RecordsGatheredAsSummariesKeepTheirFigures) {
  auto c = cluster(2);
  c.summaries_only = true;
  c.slow_gpus.push_back({3, 0.6});
  const auto run = simulate_run(acceptance(), c);
  for (const auto& r : run.results) {
    ASSERT_TRUE(r.reply.samples_s.empty());
    if (!r.figures) continue;  // a collective too small to split over the ranks is waived
    auto back = result_from_json(to_json(r));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_TRUE(back->reply.samples_s.empty());
    ASSERT_TRUE(back->figures) << r.measurement.id;
    EXPECT_DOUBLE_EQ(back->figures->at_median, r.figures->at_median);
    EXPECT_DOUBLE_EQ(back->time->cv, r.time->cv);
    EXPECT_EQ(back->bus_figures.has_value(), r.bus_figures.has_value());
  }
  const auto analysis = find_outliers(run);
  ASSERT_EQ(analysis.suspects.size(), 1u);
  EXPECT_EQ(analysis.suspects[0].ranks.front(), 3);
}

}  // namespace
}  // namespace gpucert

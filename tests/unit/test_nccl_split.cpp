// Collectives split per node and per node pair: which ranks meet in which communicator, and how a suite asks
// for it (core/nccl_split.hpp, the nccl spec's "split").
#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/nccl_split.hpp"
#include "core/suite.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

std::vector<std::string> hosts_of(std::initializer_list<std::pair<const char*, int>> nodes) {
  std::vector<std::string> out;
  for (const auto& [host, ranks] : nodes) out.insert(out.end(), static_cast<std::size_t>(ranks), host);
  return out;
}

TEST(NodeLayout, NodesInTheOrderOfTheirFirstRank) {
  const auto layout = node_layout({"b", "b", "a", "c", "a"});
  EXPECT_EQ(layout.hosts, (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(layout.node_of_rank, (std::vector<int>{0, 0, 1, 2, 1}));
  EXPECT_EQ(layout.ranks_on_node, (std::vector<int>{2, 2, 1}));
}

TEST(NodePairRounds, EveryRoundPairsEveryNodeOnceAndNoPairComesTwice) {
  for (int nodes = 2; nodes <= 17; ++nodes) {
    const auto rounds = node_pair_rounds(nodes, 1000);
    const std::size_t expected_rounds = static_cast<std::size_t>(nodes % 2 ? nodes : nodes - 1);
    ASSERT_EQ(rounds.size(), expected_rounds) << nodes << " nodes";
    std::set<std::pair<int, int>> seen;
    for (const auto& round : rounds) {
      EXPECT_EQ(round.size(), static_cast<std::size_t>(nodes / 2)) << nodes << " nodes";
      std::set<int> busy;
      for (const auto& [a, b] : round) {
        EXPECT_LT(a, b);
        EXPECT_GE(a, 0);
        EXPECT_LT(b, nodes);
        EXPECT_TRUE(busy.insert(a).second && busy.insert(b).second) << "a node twice in one round";
        EXPECT_TRUE(seen.insert({a, b}).second) << a << "," << b << " twice";
      }
    }
    // Every pair of nodes, once: a full tournament.
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(nodes * (nodes - 1) / 2));
  }
}

TEST(NodePairRounds, RoundsAreCappedAndNothingPairsFewerThanTwoNodes) {
  EXPECT_EQ(node_pair_rounds(64, 3).size(), 3u);
  EXPECT_EQ(node_pair_rounds(64, 3)[2].size(), 32u);
  EXPECT_TRUE(node_pair_rounds(1, 3).empty());
  EXPECT_TRUE(node_pair_rounds(0, 3).empty());
  EXPECT_TRUE(node_pair_rounds(8, 0).empty());
  EXPECT_EQ(node_pair_rounds(2, 3), (std::vector<std::vector<std::pair<int, int>>>{{{0, 1}}}));
}

SplitPlan plan(const std::string& scope, int round = 0, int rounds = 0) {
  return SplitPlan{scope, "nccl/all_reduce/fp32/1GiB/per_" + scope, round, rounds};
}

TEST(RankSplit, PerNodeEachNodeIsOneColorOfItsRanks) {
  const auto layout = node_layout(hosts_of({{"n0", 4}, {"n1", 4}, {"n2", 2}}));
  const auto r5 = rank_split(plan("node"), layout, 5);
  EXPECT_EQ(r5.name, "node");
  EXPECT_EQ(r5.color, 1);
  EXPECT_EQ(r5.key, 5);
  EXPECT_EQ(r5.nranks, 4);
  EXPECT_EQ(r5.hosts, std::vector<std::string>{"n1"});
  EXPECT_TRUE(r5.waived.empty());
  EXPECT_FALSE(r5.nobody);
  const auto r9 = rank_split(plan("node"), layout, 9);
  EXPECT_EQ(r9.color, 2);
  EXPECT_EQ(r9.nranks, 2);
}

TEST(RankSplit, OneNodeHasNothingToSplit) {
  const auto layout = node_layout(hosts_of({{"only", 2}}));
  for (const auto& scope : {"node", "pair"}) {
    const auto s = rank_split(plan(scope, 1, 3), layout, 1);
    EXPECT_TRUE(s.nobody) << scope;
    EXPECT_LT(s.color, 0);
    EXPECT_HAS(s.waived, "one node, only");
  }
}

TEST(RankSplit, PairRoundsPutBothNodesOfAPairInOneColorAndTheOddOneOut) {
  const auto layout = node_layout(hosts_of({{"n0", 2}, {"n1", 2}, {"n2", 2}}));
  const auto rounds = node_pair_rounds(3, 3);
  ASSERT_EQ(rounds.size(), 3u);
  std::set<std::pair<int, int>> met;
  for (int round = 1; round <= 3; ++round) {
    std::vector<RankSplit> splits;
    for (int rank = 0; rank < 6; ++rank) splits.push_back(rank_split(plan("pair", round, 3), layout, rank));
    int members = 0;
    for (int rank = 0; rank < 6; ++rank) {
      const auto& s = splits[static_cast<std::size_t>(rank)];
      EXPECT_EQ(s.name, "pair/round" + std::to_string(round));
      EXPECT_FALSE(s.nobody);
      if (s.color < 0) {
        EXPECT_HAS(s.waived, "no partner in pair round " + std::to_string(round));
        continue;
      }
      ++members;
      EXPECT_EQ(s.nranks, 4);
      ASSERT_EQ(s.hosts.size(), 2u);
      EXPECT_TRUE(std::find(s.hosts.begin(), s.hosts.end(), layout.hosts[static_cast<std::size_t>(rank / 2)]) !=
                  s.hosts.end());
      const auto node = [&](const std::string& host) {
        return static_cast<int>(std::find(layout.hosts.begin(), layout.hosts.end(), host) - layout.hosts.begin());
      };
      met.insert(std::minmax(node(s.hosts[0]), node(s.hosts[1])));
    }
    EXPECT_EQ(members, 4) << "round " << round << ": one node of three sits out";
  }
  EXPECT_EQ(met.size(), 3u) << "three rounds meet every pair of three nodes";
}

TEST(RankSplit, ARoundBeyondTheDistinctPairsIsWaivedForEveryone) {
  const auto layout = node_layout(hosts_of({{"a", 1}, {"b", 1}}));
  const auto s = rank_split(plan("pair", 2, 3), layout, 0);
  EXPECT_TRUE(s.nobody);
  EXPECT_HAS(s.waived, "2 nodes have 1 round(s) of distinct node pairs");
}

TEST(RankSplit, WhatTheWorkerAndTheRecordAreTold) {
  const auto layout = node_layout(hosts_of({{"a", 1}, {"b", 1}}));
  const auto p = plan("pair", 1, 3);
  const auto s = rank_split(p, layout, 1);
  const auto request = communicator_request(s);
  EXPECT_EQ(request.at("name"), "pair/round1");
  EXPECT_EQ(request.at("color"), 0);
  EXPECT_EQ(request.at("key"), 1);
  EXPECT_EQ(request.at("nranks"), 2);
  EXPECT_FALSE(request.contains("waived"));
  const auto details = communicator_details(p, s);
  EXPECT_EQ(details.at("scope"), "pair");
  EXPECT_EQ(details.at("group"), "nccl/all_reduce/fp32/1GiB/per_pair");
  EXPECT_EQ(details.at("round"), 1);
  EXPECT_EQ(details.at("hosts"), (nlohmann::json{"a", "b"}));
}

std::string suite_with(const std::string& item) {
  return R"({"schema_version": 1, "name": "t", "items": [)" + item + "]}";
}

TEST(NcclSplitSuite, EachCollectiveIsFollowedByItsNodeAndPairMeasurements) {
  const auto suite = parse_suite(suite_with(R"({"workload": "nccl", "collectives": ["all_reduce", "all_gather"],
      "begin_bytes": 1073741824, "split": ["node", "pair"], "pair_rounds": 2})"),
                                 "t.json");
  ASSERT_TRUE(suite.ok()) << suite.error().message;
  const auto ids = testing_helpers::plan_ids(suite->plan);
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "nccl/all_reduce/fp32/1GiB", "nccl/all_reduce/fp32/1GiB/per_node",
                     "nccl/all_reduce/fp32/1GiB/per_pair/round1", "nccl/all_reduce/fp32/1GiB/per_pair/round2",
                     "nccl/all_gather/fp32/1GiB", "nccl/all_gather/fp32/1GiB/per_node",
                     "nccl/all_gather/fp32/1GiB/per_pair/round1", "nccl/all_gather/fp32/1GiB/per_pair/round2"}));
  EXPECT_FALSE(split_plan(suite->plan[0]).has_value());
  const auto node = split_plan(suite->plan[1]);
  ASSERT_TRUE(node);
  EXPECT_EQ(node->scope, "node");
  EXPECT_EQ(node->group, "nccl/all_reduce/fp32/1GiB/per_node");
  const auto pair = split_plan(suite->plan[3]);
  ASSERT_TRUE(pair);
  EXPECT_EQ(pair->scope, "pair");
  EXPECT_EQ(pair->group, "nccl/all_reduce/fp32/1GiB/per_pair");
  EXPECT_EQ(pair->round, 2);
  EXPECT_EQ(pair->rounds, 2);
  // The same collective: only the split differs.
  auto world = suite->plan[0].params, split = suite->plan[3].params;
  split.erase("split");
  EXPECT_EQ(world, split);
}

TEST(NcclSplitSuite, RefusesUnknownScopesAndRoundsWithoutPairs) {
  auto refused = parse_suite(suite_with(R"({"workload": "nccl", "split": ["rack"]})"), "t.json");
  ASSERT_FALSE(refused.ok());
  EXPECT_HAS(refused.error().message, "rack");
  refused = parse_suite(suite_with(R"({"workload": "nccl", "split": ["node"], "pair_rounds": 2})"), "t.json");
  ASSERT_FALSE(refused.ok());
  EXPECT_HAS(refused.error().message, "pair_rounds");
  refused = parse_suite(suite_with(R"({"workload": "nccl", "split": ["pair"], "pair_rounds": 0})"), "t.json");
  ASSERT_FALSE(refused.ok());
  EXPECT_HAS(refused.error().message, "pair_rounds");
}

}  // namespace
}  // namespace gpucert

#include "nccl_split.hpp"

#include <algorithm>
#include <unordered_map>

namespace gpucert {

NodeLayout node_layout(const std::vector<std::string>& host_of_rank) {
  NodeLayout layout;
  std::unordered_map<std::string, int> index;
  layout.node_of_rank.reserve(host_of_rank.size());
  for (const auto& host : host_of_rank) {
    const auto [it, added] = index.try_emplace(host, static_cast<int>(layout.hosts.size()));
    if (added) {
      layout.hosts.push_back(host);
      layout.ranks_on_node.push_back(0);
    }
    layout.node_of_rank.push_back(it->second);
    ++layout.ranks_on_node[static_cast<std::size_t>(it->second)];
  }
  return layout;
}

std::vector<std::vector<std::pair<int, int>>> node_pair_rounds(int nodes, int rounds) {
  std::vector<std::vector<std::pair<int, int>>> out;
  if (nodes < 2 || rounds < 1) return out;
  // An odd count gets a stand-in node, `nodes` itself; whoever meets it sits the round out.
  const int m = nodes % 2 ? nodes + 1 : nodes;
  const int circle = m - 1;  // node m - 1 stays put while the others turn
  for (int r = 0; r < circle && static_cast<int>(out.size()) < rounds; ++r) {
    std::vector<std::pair<int, int>> round;
    const auto add = [&](int a, int b) {
      if (a < nodes && b < nodes) round.push_back(std::minmax(a, b));
    };
    add(r, circle);
    for (int i = 1; i < m / 2; ++i) add((r + i) % circle, (r - i + circle) % circle);
    std::sort(round.begin(), round.end());
    out.push_back(std::move(round));
  }
  return out;
}

std::optional<SplitPlan> split_plan(const Measurement& m) {
  const auto s = m.params.find("split");
  if (s == m.params.end() || !s->is_object()) return std::nullopt;
  SplitPlan plan;
  plan.scope = s->value("scope", "");
  plan.group = s->value("group", "");
  plan.round = s->value("round", 0);
  plan.rounds = s->value("rounds", 0);
  if (plan.scope != "node" && plan.scope != "pair") return std::nullopt;
  return plan;
}

nlohmann::json split_params(const std::string& scope, const std::string& base_id, int round, int rounds) {
  if (scope == "node") return {{"scope", "node"}, {"group", base_id + "/per_node"}};
  return {{"scope", "pair"}, {"group", base_id + "/per_pair"}, {"round", round}, {"rounds", rounds}};
}

RankSplit rank_split(const SplitPlan& plan, const NodeLayout& layout, int rank) {
  RankSplit split;
  split.key = rank;
  const int nodes = static_cast<int>(layout.hosts.size());
  if (rank < 0 || static_cast<std::size_t>(rank) >= layout.node_of_rank.size()) {
    split.nobody = true;
    split.waived = "rank " + std::to_string(rank) + " is not in the run's rank table";
    return split;
  }
  const int node = layout.node_of_rank[static_cast<std::size_t>(rank)];
  const auto& host = layout.hosts[static_cast<std::size_t>(node)];
  const auto size_of = [&](int n) { return layout.ranks_on_node[static_cast<std::size_t>(n)]; };
  if (plan.scope == "node") {
    split.name = "node";
    if (nodes < 2) {
      split.nobody = true;
      split.waived = "the run has one node, " + host + ": its communicator over all ranks is already this node's";
      return split;
    }
    split.color = node;
    split.nranks = size_of(node);
    split.hosts = {host};
    return split;
  }
  split.name = "pair/round" + std::to_string(plan.round);
  if (nodes < 2) {
    split.nobody = true;
    split.waived = "the run has one node, " + host + ": there is no node pair to measure";
    return split;
  }
  const auto rounds = node_pair_rounds(nodes, plan.rounds);
  if (plan.round < 1 || plan.round > static_cast<int>(rounds.size())) {
    split.nobody = true;
    split.waived = std::to_string(nodes) + " nodes have " + std::to_string(rounds.size()) +
                   " round(s) of distinct node pairs, not " + std::to_string(plan.round);
    return split;
  }
  const auto& pairs = rounds[static_cast<std::size_t>(plan.round - 1)];
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const auto [a, b] = pairs[p];
    if (a != node && b != node) continue;
    split.color = static_cast<int>(p);
    split.nranks = size_of(a) + size_of(b);
    split.hosts = {layout.hosts[static_cast<std::size_t>(a)], layout.hosts[static_cast<std::size_t>(b)]};
    return split;
  }
  split.waived = "node " + host + " has no partner in pair round " + std::to_string(plan.round) + " (" +
                 std::to_string(nodes) + " nodes, an odd count: one sits out each round)";
  return split;
}

nlohmann::json communicator_request(const RankSplit& split) {
  nlohmann::json j = {{"name", split.name}, {"color", split.color}, {"key", split.key}, {"nranks", split.nranks}};
  if (!split.waived.empty()) j["waived"] = split.waived;
  return j;
}

nlohmann::json communicator_details(const SplitPlan& plan, const RankSplit& split) {
  nlohmann::json j = {{"scope", plan.scope}, {"group", plan.group}, {"hosts", split.hosts}};
  if (plan.scope == "pair") j["round"] = plan.round;
  return j;
}

}  // namespace gpucert

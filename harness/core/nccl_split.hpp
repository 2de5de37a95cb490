// Collectives split per node and per node pair (docs/CLUSTER.md, "NCCL per node and per node pair"). One
// communicator over every rank of a cluster says that something is slow, not what: its ring runs at the pace
// of its slowest link. A suite item with "split" adds, beside each collective over all ranks, the same
// collective on communicators of one node ("<id>/per_node": every node at once, each on its own) and of two
// nodes ("<id>/per_pair/round<k>": in each round every node with one partner, a different one each round).
// The workers make them with ncclCommSplit from the run's communicator, so no second rendezvous is needed;
// which color each rank brings is decided here, from the hosts of the ranks, the same way on every rank.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "measurement.hpp"

namespace gpucert {

// The nodes of a run: each distinct host once, in the order of its first rank, and each rank's node.
struct NodeLayout {
  std::vector<std::string> hosts;
  std::vector<int> node_of_rank;
  std::vector<int> ranks_on_node;  // by node
};
NodeLayout node_layout(const std::vector<std::string>& host_of_rank);

// Pairings of `nodes` nodes, `rounds` of them at most: the circle method of a round-robin tournament, so that
// each round pairs every node (all but one when the count is odd) and no pair comes twice. Pairs are (a, b)
// with a < b; there are at most nodes - 1 rounds (nodes when odd), fewer when `rounds` says so.
std::vector<std::vector<std::pair<int, int>>> node_pair_rounds(int nodes, int rounds);

// What a split measurement's params say (params.split, written by the nccl spec).
struct SplitPlan {
  std::string scope;  // "node" or "pair"
  std::string group;  // the id its figures are compared under: "<id>/per_node", "<id>/per_pair"
  int round = 0;      // pair rounds: 1..rounds
  int rounds = 0;
};
std::optional<SplitPlan> split_plan(const Measurement& m);
// params.split for a measurement of `base_id`.
nlohmann::json split_params(const std::string& scope, const std::string& base_id, int round, int rounds);

// One rank's part in a split measurement. `color` < 0: the rank sits this one out (its node has no partner in
// this round, or the run has a single node) and `waived` says why; it still takes part in the split, which is
// collective over the run's communicator.
struct RankSplit {
  std::string name;  // the same on every rank: the worker keeps the communicator it made under this name
  int color = -1;
  int key = 0;                     // orders the ranks inside the new communicator: the global rank
  int nranks = 0;                  // the size the new communicator must have
  std::vector<std::string> hosts;  // the hosts it spans
  std::string waived;
  // No rank of the run takes part: nobody needs to call the worker at all.
  bool nobody = false;
};
RankSplit rank_split(const SplitPlan& plan, const NodeLayout& layout, int rank);

// What the worker's run request carries (params.communicator), and what the record's reply says of the
// communicator (details.communicator: scope, group, round and hosts, which the outlier verdicts read).
nlohmann::json communicator_request(const RankSplit& split);
nlohmann::json communicator_details(const SplitPlan& plan, const RankSplit& split);

}  // namespace gpucert

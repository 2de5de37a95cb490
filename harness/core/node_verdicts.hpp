// One verdict per node, for a scheduler that drains bad nodes: pass, or fail with every reason (a rank without
// a usable GPU, a failed check of one of its ranks, a GPU or the node standing out from its peers, a slow link
// to another node). Written beside the reports as nodes.json and failed-nodes.txt (docs/CLUSTER.md).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "outliers.hpp"
#include "run_record.hpp"

namespace gpucert {

struct NodeVerdict {
  std::string host;
  bool pass = true;
  std::vector<int> ranks;            // its ranks, in order
  std::vector<std::string> reasons;  // why it failed, most direct first; empty when it passed
};

// Every host of the run's rank table, in the order its first rank appears. Checks named "performance-peers"
// are read from `analysis` instead (it knows each suspect's hosts).
std::vector<NodeVerdict> node_verdicts(const RunRecord& run, const OutlierAnalysis& analysis);

// 0 when every node passed, 1 when one failed, 3 when the run has no rank at all (kExit* of run_record.hpp).
int node_exit_code(const std::vector<NodeVerdict>& verdicts);

// nodes.json: {"schema_version": 1, "job": {...the scheduler's facts, when known}, "exit_code",
// "nodes": [{"host", "verdict": "pass"|"fail", "ranks", "reasons"}], "failed": [hosts]}
nlohmann::json to_json(const RunRecord& run, const std::vector<NodeVerdict>& verdicts);

// failed-nodes.txt: one failed host per line, a tab, its first reason: `cut -f1` feeds `scontrol`.
std::string failed_nodes_text(const std::vector<NodeVerdict>& verdicts);

// The Slurm job the run ran in, from the ranks' recorded environment (SLURM_JOB_ID, SLURM_CLUSTER_NAME, ...);
// an empty object outside Slurm.
nlohmann::json scheduler_job(const RunRecord& run);

}  // namespace gpucert

// Peer verdicts: each GPU's figures judged against the other GPUs of the same model in the same run, not only
// against a static floor. A floor catches a GPU that is slow for its model; peers catch the one that is slow
// for this cluster (a GPU three times slower than its neighbours that still clears a loose floor, a node whose
// power cap was left low, a cable that halves one link). docs/CLUSTER.md explains the rules and their numbers.
//
// A figure is an outlier when it lies more than `min_mads` robust standard deviations (1.4826 x the median
// absolute deviation) below the median of its peers AND at least `min_gap` below it as a fraction: the first
// rule adapts to each figure's spread, the second keeps a tight group's noise from being flagged. Only the slow
// side is judged. Everything here is one pass over the results plus a sort per group: linear in the run.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "check.hpp"
#include "run_record.hpp"

namespace gpucert {

struct OutlierOptions {
  double min_mads = 5.0;      // robust standard deviations below the peers' median
  double min_gap = 0.05;      // and at least this fraction below it
  std::size_t min_peers = 3;  // figures in a group (the judged one included) before it is judged at all
  // A node stands out as a whole when at least this share of its GPUs (and at least two) stand out, or when
  // at least this share of its node pairs (and at least two) are slow.
  double node_share = 0.5;
  // NCCL figures below this message size are latency, not bandwidth: not judged.
  std::uint64_t nccl_min_bytes = 64ull << 20;
  std::size_t evidence_lines = 6;  // per suspect, worst first; the rest are counted
};

enum class SuspectKind { Gpu, Node, NodePair };
std::string_view name_of(SuspectKind kind);  // "gpu", "node", "node-pair"

// One figure that stands out, with what it was compared with.
struct OutlierFigure {
  std::string environment, measurement_id, unit, gpu_model;
  double value = 0, peer_median = 0;
  double gap = 0;   // fraction below the peers' median
  double mads = 0;  // robust standard deviations below it
  std::size_t peers = 0;
};

struct Suspect {
  SuspectKind kind = SuspectKind::Gpu;
  std::string subject;                // "rank 17 (node-03, GPU 1)", "node-03", "node-03 and node-07"
  std::vector<std::string> hosts;     // one, or two for a pair
  std::vector<int> ranks;             // the GPUs concerned; empty for a node pair
  double worst_gap = 0;               // the ranking key: the largest gap of its figures
  std::size_t figures = 0;            // how many figures stand out
  std::vector<std::string> evidence;  // worst first, at most OutlierOptions::evidence_lines, then "and N more"
};

struct OutlierAnalysis {
  std::vector<Suspect> suspects;       // worst first
  std::size_t figures_judged = 0;      // per-GPU figures that had enough peers
  std::size_t groups_judged = 0;       // peer groups (environment, measurement, GPU model) of those
  std::size_t nccl_groups_judged = 0;  // per-node and per-pair NCCL communicators judged
  std::vector<std::string> notes;      // what could not be judged, and why
};

OutlierAnalysis find_outliers(const RunRecord& run, const OutlierOptions& options = {});
// The run's analysis with the default options: RunRecord::peers where the checks derived it, else derived now.
std::shared_ptr<const OutlierAnalysis> peers_of(const RunRecord& run);

// The "performance-peers" checks of a run: one failed check per suspect (its evidence and a fix), or one passed
// check naming how much was judged, or one waived check saying why nothing could be.
std::vector<Check> performance_peer_checks(const OutlierAnalysis& analysis);
// The checks of a run, as conformance_checks derives them; none for a run that had nothing to compare.
std::vector<Check> performance_peer_checks(const RunRecord& run);

nlohmann::json to_json(const OutlierAnalysis& analysis);

// The hosts a result's communicator spanned, sorted and once each, when its reply names them
// (details.communicator.hosts: a collective split per node or per node pair); empty for the run's one communicator.
std::vector<std::string> declared_hosts(const ResultRecord& r);

}  // namespace gpucert

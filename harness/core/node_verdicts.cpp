#include "node_verdicts.hpp"

#include <unordered_map>

#include "json_fields.hpp"

namespace gpucert {
namespace {

// At most this many reasons per node; a node with more says how many more (report.json has them all).
constexpr std::size_t kReasonsPerNode = 12;

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::vector<NodeVerdict> node_verdicts(const RunRecord& run, const OutlierAnalysis& analysis) {
  std::vector<NodeVerdict> out;
  std::unordered_map<std::string, std::size_t> by_host;
  std::unordered_map<int, std::size_t> by_rank;
  std::vector<std::size_t> dropped;
  auto node_of_host = [&](const std::string& host) -> NodeVerdict& {
    const auto [it, added] = by_host.try_emplace(host, out.size());
    if (added) {
      out.push_back({host, true, {}, {}});
      dropped.push_back(0);
    }
    return out[it->second];
  };
  auto fail = [&](NodeVerdict& node, std::string reason) {
    node.pass = false;
    if (node.reasons.size() < kReasonsPerNode)
      node.reasons.push_back(std::move(reason));
    else
      ++dropped[by_host.at(node.host)];
  };
  for (const auto& r : run.ranks) {
    auto& node = node_of_host(r.placement.host);
    node.ranks.push_back(r.placement.rank);
    by_rank.emplace(r.placement.rank, by_host.at(r.placement.host));
  }
  for (const auto& r : run.ranks)
    if (!r.usable)
      fail(out[by_rank.at(r.placement.rank)], "rank " + std::to_string(r.placement.rank) + " has no usable GPU: " +
                                                  first_line(r.problem.empty() ? "no reason recorded" : r.problem));
  for (const auto& s : analysis.suspects) {
    const std::string evidence = s.evidence.empty() ? std::string() : ": " + s.evidence.front();
    switch (s.kind) {
      case SuspectKind::Gpu:
        fail(node_of_host(s.hosts.front()), s.subject + " is slower than its peers" + evidence);
        break;
      case SuspectKind::Node:
        fail(node_of_host(s.hosts.front()), "the node is slower than its peers" + evidence);
        break;
      case SuspectKind::NodePair:
        for (std::size_t i = 0; i < s.hosts.size(); ++i)
          fail(node_of_host(s.hosts[i]), "NCCL to " + s.hosts[1 - i % 2] +
                                             " is slower than between other node "
                                             "pairs" +
                                             evidence);
        break;
    }
  }
  for (const auto& c : run.checks) {
    if (c.verdict != Verdict::Fail || c.rank < 0 || c.name == "performance-peers") continue;
    const auto it = by_rank.find(c.rank);
    if (it == by_rank.end()) continue;
    // gpu-visible repeats the unusable rank above.
    if (c.name == "gpu-visible" && c.environment == kNativeEnvironment) continue;
    fail(out[it->second], c.name + " failed" +
                              (c.environment == kNativeEnvironment ? std::string() : " in " + c.environment) + " for " +
                              c.subject + ": " + first_line(c.diagnosis.empty() ? c.evidence : c.diagnosis));
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    if (dropped[i]) out[i].reasons.push_back("and " + std::to_string(dropped[i]) + " more (report.json)");
  return out;
}

int node_exit_code(const std::vector<NodeVerdict>& verdicts) {
  if (verdicts.empty()) return kExitEnvironment;
  for (const auto& v : verdicts)
    if (!v.pass) return kExitCheckFailed;
  return kExitPassed;
}

nlohmann::json scheduler_job(const RunRecord& run) {
  for (const auto& r : run.ranks) {
    const auto& env = r.probe.environment;
    const auto job = env.find("SLURM_JOB_ID");
    if (job == env.end()) continue;
    nlohmann::json out = {{"scheduler", "slurm"}, {"job_id", job->second}};
    for (const auto& [key, name] :
         std::initializer_list<std::pair<const char*, const char*>>{{"SLURM_STEP_ID", "step_id"},
                                                                    {"SLURM_JOB_NAME", "job_name"},
                                                                    {"SLURM_CLUSTER_NAME", "cluster"},
                                                                    {"SLURM_JOB_PARTITION", "partition"},
                                                                    {"SLURM_JOB_NODELIST", "nodelist"}})
      if (const auto it = env.find(key); it != env.end()) out[name] = it->second;
    return out;
  }
  return nlohmann::json::object();
}

nlohmann::json to_json(const RunRecord& run, const std::vector<NodeVerdict>& verdicts) {
  nlohmann::json nodes = nlohmann::json::array(), failed = nlohmann::json::array();
  for (const auto& v : verdicts) {
    nodes.push_back(
        {{"host", v.host}, {"verdict", v.pass ? "pass" : "fail"}, {"ranks", v.ranks}, {"reasons", v.reasons}});
    if (!v.pass) failed.push_back(v.host);
  }
  return {{"schema_version", 1},       {"job", scheduler_job(run)},
          {"started", run.started},    {"exit_code", node_exit_code(verdicts)},
          {"nodes", std::move(nodes)}, {"failed", std::move(failed)}};
}

std::string failed_nodes_text(const std::vector<NodeVerdict>& verdicts) {
  std::string out;
  for (const auto& v : verdicts)
    if (!v.pass) {
      std::string reason = v.reasons.empty() ? std::string("failed") : v.reasons.front();
      for (char& c : reason)
        if (c == '\t' || c == '\n') c = ' ';
      out += v.host + "\t" + reason + "\n";
    }
  return out;
}

}  // namespace gpucert

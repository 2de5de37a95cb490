#include "outliers.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "check_text.hpp"
#include "json_fields.hpp"

namespace gpucert {
namespace {

using check_text::fixed;

// The scale of a normal distribution's MAD: 1.4826 x MAD estimates its standard deviation.
constexpr double kMadToSigma = 1.4826;
// A group of identical figures has no spread: its robust deviation is floored at 0.1% of the median, so that
// "MADs" stays a finite number (the gap rule is what guards such a group).
constexpr double kSpreadFloor = 1e-3;

struct Member {
  double value = 0;
  std::size_t index = 0;  // of the result, or of the NCCL communicator
};

struct Group {
  std::string environment, measurement_id, unit, gpu_model;
  std::vector<Member> members;
};

// Groups by a key, in the order keys first appear, with one hash lookup per member.
class Groups {
 public:
  Group& at(const std::string& key, const std::string& environment, const std::string& id, const std::string& unit,
            const std::string& model) {
    const auto [it, added] = index_.try_emplace(key, groups_.size());
    if (added) groups_.push_back({environment, id, unit, model, {}});
    return groups_[it->second];
  }
  [[nodiscard]] const std::vector<Group>& all() const { return groups_; }

 private:
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<Group> groups_;
};

double median_of(std::vector<double> values) {
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  const double upper = *middle;
  if (values.size() % 2) return upper;
  return (upper + *std::max_element(values.begin(), middle)) / 2;
}

struct Flagged {
  OutlierFigure figure;
  std::size_t index = 0;
};

// The members of each judged group that stand out, and how many figures and groups were judged.
struct Judged {
  std::vector<Flagged> flagged;
  std::size_t figures = 0, groups = 0, too_small = 0;
};

Judged judge(const Groups& groups, const OutlierOptions& options) {
  Judged out;
  for (const auto& g : groups.all()) {
    if (g.members.size() < options.min_peers) {
      ++out.too_small;
      continue;
    }
    ++out.groups;
    out.figures += g.members.size();
    std::vector<double> values;
    values.reserve(g.members.size());
    for (const auto& m : g.members) values.push_back(m.value);
    const double median = median_of(values);
    if (!(median > 0)) continue;
    for (auto& v : values) v = std::fabs(v - median);
    const double spread = std::max(kMadToSigma * median_of(values), kSpreadFloor * median);
    for (const auto& m : g.members) {
      const double below = median - m.value;
      const double gap = below / median, mads = below / spread;
      if (gap >= options.min_gap && mads >= options.min_mads)
        out.flagged.push_back(
            {{g.environment, g.measurement_id, g.unit, g.gpu_model, m.value, median, gap, mads, g.members.size()},
             m.index});
    }
  }
  return out;
}

// "gemm/fp16/8192x8192x8192: 612.3 TFLOP/s, 23.4% below the median 799.5 of 1024 NVIDIA H100 (9.1 MADs)"
std::string figure_text(const OutlierFigure& f, const std::string& peers_word) {
  return f.measurement_id + (f.environment == kNativeEnvironment ? "" : " in " + f.environment) + ": " +
         fixed(f.value, 1) + " " + f.unit + ", " + fixed(100 * f.gap, 1) + "% below the median " +
         fixed(f.peer_median, 1) + " of " + std::to_string(f.peers) + " " + peers_word + " (" + fixed(f.mads, 1) +
         " MADs)";
}

// A suspect under construction: its figures' texts with their gaps, so the worst can be shown first.
struct Building {
  Suspect suspect;
  std::vector<std::pair<double, std::string>> lines;
  void add(double gap, std::string line, std::size_t figures = 1) {
    suspect.worst_gap = std::max(suspect.worst_gap, gap);
    suspect.figures += figures;
    lines.emplace_back(gap, std::move(line));
  }
  Suspect finish(const OutlierOptions& options) && {
    std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    const std::size_t shown = std::min(lines.size(), options.evidence_lines);
    for (std::size_t i = 0; i < shown; ++i) suspect.evidence.push_back(std::move(lines[i].second));
    if (lines.size() > shown) suspect.evidence.push_back("and " + std::to_string(lines.size() - shown) + " more");
    return std::move(suspect);
  }
};

std::string gpu_subject(const Placement& p) {
  return "rank " + std::to_string(p.rank) + " (" + (p.host.empty() ? std::string("host unknown") : p.host) + ", GPU " +
         (p.device >= 0 ? std::to_string(p.device) : std::string("?")) + ")";
}

std::string ranks_list(const std::vector<int>& ranks) {
  std::vector<std::string> numbers;
  for (int r : ranks) numbers.push_back(std::to_string(r));
  return join(numbers, ", ");
}

// An NCCL communicator of one measurement: the ranks that ran it together, on one host or on two.
struct Communicator {
  std::string environment, measurement_id, gpu_model;
  std::vector<std::string> hosts;  // sorted
  std::vector<double> busbw;       // each member rank's median busbw
};

bool judged_nccl(const ResultRecord& r, const OutlierOptions& options) {
  if (r.measurement.workload != "nccl" || r.reply.status != RunStatus::Ok || !r.bus_figures) return false;
  const auto bytes = r.measurement.params.find("bytes");
  return bytes != r.measurement.params.end() && bytes->is_number_integer() && bytes->get<std::int64_t>() >= 0 &&
         bytes->get<std::uint64_t>() >= options.nccl_min_bytes;
}

// The figures a split communicator is compared with: those of its group (details.communicator.group, e.g. every
// round of one collective's node pairs), else those of its measurement.
std::string communicator_group(const ResultRecord& r) {
  const auto c = r.reply.details.find("communicator");
  if (c != r.reply.details.end() && c->is_object())
    if (const auto g = c->find("group"); g != c->end() && g->is_string() && !g->get<std::string>().empty())
      return g->get<std::string>();
  return r.measurement.id;
}

// !declared_hosts(r).empty(), without building the list.
bool has_declared_hosts(const ResultRecord& r) {
  const auto c = r.reply.details.find("communicator");
  if (c == r.reply.details.end() || !c->is_object()) return false;
  const auto h = c->find("hosts");
  return h != c->end() && h->is_array() &&
         std::any_of(h->begin(), h->end(), [](const auto& n) { return n.is_string(); });
}

std::vector<Communicator> nccl_communicators(const RunRecord& run, const OutlierOptions& options,
                                             std::vector<std::string>& notes) {
  // The run's own communicator spans every host that reported the measurement. One key buffer for all the
  // lookups: a cluster's run has millions of NCCL records.
  std::string key;
  const auto world_key = [&key](const ResultRecord& r) -> const std::string& {
    key.assign(r.environment).append(1, '\n').append(r.measurement.id);
    return key;
  };
  std::unordered_map<std::string, std::set<std::string>> world_hosts;
  std::vector<char> judged(run.results.size());
  for (std::size_t i = 0; i < run.results.size(); ++i) {
    const auto& r = run.results[i];
    judged[i] = judged_nccl(r, options);
    if (judged[i] && !has_declared_hosts(r)) world_hosts[world_key(r)].insert(r.placement.host);
  }
  std::unordered_map<std::string, std::size_t> index;
  std::vector<Communicator> out;
  std::size_t wide = 0, widest = 0;
  for (std::size_t i = 0; i < run.results.size(); ++i) {
    if (!judged[i]) continue;
    const auto& r = run.results[i];
    auto hosts = declared_hosts(r);
    if (hosts.empty()) {
      // A world of thousands of hosts is counted, never copied per record.
      const auto& world = world_hosts.find(world_key(r))->second;
      if (world.size() <= 2)
        hosts.assign(world.begin(), world.end());
      else {
        ++wide;
        widest = std::max(widest, world.size());
        continue;
      }
    }
    if (hosts.size() > 2) {
      ++wide;
      widest = std::max(widest, hosts.size());
      continue;
    }
    const auto group = communicator_group(r);
    key.assign(r.environment).append(1, '\n').append(group);
    for (const auto& h : hosts) key.append(1, '\n').append(h);
    const auto [it, added] = index.try_emplace(key, out.size());
    if (added) out.push_back({r.environment, group, r.placement.device_name, hosts, {}});
    out[it->second].busbw.push_back(r.bus_figures->at_median);
  }
  if (wide)
    notes.push_back("NCCL ran over one communicator of up to " + std::to_string(widest) +
                    " hosts: a slow node or link inside it cannot be told apart; communicators of one node or one "
                    "node pair isolate them (docs/CLUSTER.md)");
  return out;
}

const std::string kGpuFix =
    "compare the GPU with a healthy peer of the same node: clocks and throttle reasons (`nvidia-smi -q -d "
    "PERFORMANCE,CLOCK,POWER`), the PCIe link (`nvidia-smi -q -d PCIE`: width and generation), nothing else "
    "running (`nvidia-smi`); then `dcgmi diag -r 3` on it, and drain the node until it is fixed";
const std::string kNodeFix =
    "a node-wide cause: power capping or cooling, BIOS or firmware settings, CPU frequency governor, NUMA "
    "placement (host copies), NVLink/NVSwitch state (`nvidia-smi nvlink -s`, `nvidia-smi -q -d PERFORMANCE`); "
    "compare with a healthy node, drain it (`scontrol update nodename=NODE state=drain reason=gpucert`) and run "
    "the suite on it again once fixed";
const std::string kPairFix =
    "the network path between the two nodes: the ports, cables and switch links of both ends (`ibstat`, "
    "`perfquery -x` error counters, `ibdiagnet`), then nccl-tests or gpucert on the pair alone";

}  // namespace

// The hosts a result's communicator spanned, when its reply says (details.communicator.hosts: a run that split
// its collectives per node or per node pair); empty when it was the run's one communicator.
std::vector<std::string> declared_hosts(const ResultRecord& r) {
  std::vector<std::string> hosts;
  const auto c = r.reply.details.find("communicator");
  if (c == r.reply.details.end() || !c->is_object()) return hosts;
  const auto h = c->find("hosts");
  if (h == c->end() || !h->is_array()) return hosts;
  for (const auto& name : *h)
    if (name.is_string()) hosts.push_back(name.get<std::string>());
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  return hosts;
}

std::string_view name_of(SuspectKind kind) {
  switch (kind) {
    case SuspectKind::Gpu:
      return "gpu";
    case SuspectKind::Node:
      return "node";
    case SuspectKind::NodePair:
      return "node-pair";
  }
  return "gpu";
}

OutlierAnalysis find_outliers(const RunRecord& run, const OutlierOptions& options) {
  OutlierAnalysis analysis;

  // Per GPU: every verified figure of a workload that runs on one GPU, among the same model's.
  Groups gpu_groups;
  std::map<std::string, std::set<int>> gpus_of_host;
  for (std::size_t i = 0; i < run.results.size(); ++i) {
    const auto& r = run.results[i];
    if (r.measurement.workload == "nccl" || r.reply.status != RunStatus::Ok || !r.figures) continue;
    const auto& model = r.placement.device_name;
    gpu_groups
        .at(r.environment + '\n' + r.measurement.id + '\n' + model, r.environment, r.measurement.id,
            std::string(unit_of(r.measurement.metric)), model)
        .members.push_back({r.figures->at_median, i});
    gpus_of_host[r.placement.host].insert(r.placement.rank);
  }
  const auto gpu_judged = judge(gpu_groups, options);
  analysis.figures_judged = gpu_judged.figures;
  analysis.groups_judged = gpu_judged.groups;
  if (gpu_judged.too_small)
    analysis.notes.push_back(std::to_string(gpu_judged.too_small) + " measurement(s) had fewer than " +
                             std::to_string(options.min_peers) +
                             " GPUs of one model to compare: judged against their floors only");

  // The GPUs that stand out, by rank (and environment), in rank order.
  std::map<std::pair<int, std::string>, Building> gpus;
  for (const auto& f : gpu_judged.flagged) {
    const auto& p = run.results[f.index].placement;
    auto& b = gpus[{p.rank, f.figure.environment}];
    if (b.suspect.subject.empty()) b.suspect = {SuspectKind::Gpu, gpu_subject(p), {p.host}, {p.rank}, 0, 0, {}};
    b.add(f.figure.gap, figure_text(f.figure, f.figure.gpu_model));
  }

  // Per node and per node pair: NCCL communicators of one host or two.
  const auto communicators = nccl_communicators(run, options, analysis.notes);
  Groups nccl_groups;
  for (std::size_t i = 0; i < communicators.size(); ++i) {
    const auto& c = communicators[i];
    const std::string scope = c.hosts.size() == 1 ? "node" : "pair";
    const std::string key = c.environment + '\n' + c.measurement_id + '\n' + scope + '\n' +
                            std::to_string(c.busbw.size()) + '\n' + c.gpu_model;
    nccl_groups.at(key, c.environment, c.measurement_id, "GB/s busbw", c.gpu_model)
        .members.push_back({median_of(c.busbw), i});
  }
  const auto nccl_judged = judge(nccl_groups, options);
  analysis.nccl_groups_judged = nccl_judged.figures;
  std::map<std::string, Building> nodes;
  // Each host's partners in pair communicators, and those it is slow with.
  std::map<std::string, std::set<std::string>> partners_of_host, slow_partners_of_host;
  for (const auto& c : communicators)
    if (c.hosts.size() == 2) {
      partners_of_host[c.hosts[0]].insert(c.hosts[1]);
      partners_of_host[c.hosts[1]].insert(c.hosts[0]);
    }
  std::map<std::vector<std::string>, Building> pairs;
  auto node = [&nodes](const std::string& host) -> Building& {
    auto& b = nodes[host];
    if (b.suspect.subject.empty()) b.suspect = {SuspectKind::Node, host, {host}, {}, 0, 0, {}};
    return b;
  };
  for (const auto& f : nccl_judged.flagged) {
    const auto& c = communicators[f.index];
    if (c.hosts.size() == 1) {
      node(c.hosts[0]).add(f.figure.gap, "NCCL within the node, " + figure_text(f.figure, "single-node communicators"));
      continue;
    }
    auto& b = pairs[c.hosts];
    if (b.suspect.subject.empty())
      b.suspect = {SuspectKind::NodePair, c.hosts[0] + " and " + c.hosts[1], c.hosts, {}, 0, 0, {}};
    b.add(f.figure.gap, "NCCL between the two nodes, " + figure_text(f.figure, "node pairs"));
  }
  // A node whose links are slow to most of its partners is the node's fault, not each link's.
  for (const auto& [hosts, b] : pairs) {
    slow_partners_of_host[hosts[0]].insert(hosts[1]);
    slow_partners_of_host[hosts[1]].insert(hosts[0]);
  }
  std::set<std::string> slow_network;
  for (const auto& [host, slow] : slow_partners_of_host)
    if (slow.size() >= 2 &&
        static_cast<double>(slow.size()) >= options.node_share * static_cast<double>(partners_of_host[host].size()))
      slow_network.insert(host);
  for (auto& [hosts, b] : pairs) {
    const bool first = slow_network.count(hosts[0]) > 0, second = slow_network.count(hosts[1]) > 0;
    if (!first && !second) continue;
    for (const auto& h : hosts)
      if (slow_network.count(h)) {
        const auto& partner = hosts[0] == h ? hosts[1] : hosts[0];
        for (auto& [gap, line] : b.lines) node(h).add(gap, "with " + partner + ": " + line);
      }
    b.lines.clear();
  }

  // A node most of whose GPUs stand out: one entry for the node, its GPUs folded in.
  std::map<std::string, std::vector<int>> flagged_of_host;
  for (const auto& [key, b] : gpus) flagged_of_host[b.suspect.hosts[0]].push_back(key.first);
  std::set<std::string> slow_gpus_node;
  for (auto& [host, ranks] : flagged_of_host) {
    std::sort(ranks.begin(), ranks.end());
    ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
    const auto total = gpus_of_host[host].size();
    if (ranks.size() < 2 || static_cast<double>(ranks.size()) < options.node_share * static_cast<double>(total))
      continue;
    slow_gpus_node.insert(host);
    auto& n = node(host);
    n.suspect.ranks = ranks;
    // Pinned first among its lines (no gap reaches 2), without counting as a figure.
    n.lines.emplace_back(2.0, std::to_string(ranks.size()) + " of its " + std::to_string(total) +
                                  " GPUs stand out: rank(s) " + ranks_list(ranks));
    for (auto& [key, b] : gpus)
      if (b.suspect.hosts[0] == host)
        for (auto& [gap, line] : b.lines) n.add(gap, "rank " + std::to_string(key.first) + ": " + line);
  }

  for (auto& [key, b] : gpus)
    if (!slow_gpus_node.count(b.suspect.hosts[0])) analysis.suspects.push_back(std::move(b).finish(options));
  for (auto& [host, b] : nodes) analysis.suspects.push_back(std::move(b).finish(options));
  for (auto& [hosts, b] : pairs)
    if (!b.lines.empty()) analysis.suspects.push_back(std::move(b).finish(options));
  // The worst first; at equal gaps a node before a pair before a GPU (the larger thing to drain).
  auto weight = [](SuspectKind k) { return k == SuspectKind::Node ? 0 : k == SuspectKind::NodePair ? 1 : 2; };
  std::stable_sort(analysis.suspects.begin(), analysis.suspects.end(), [&](const Suspect& a, const Suspect& b) {
    if (a.worst_gap != b.worst_gap) return a.worst_gap > b.worst_gap;
    return weight(a.kind) < weight(b.kind);
  });
  if (nccl_judged.too_small)
    analysis.notes.push_back(std::to_string(nccl_judged.too_small) +
                             " per-node or per-pair NCCL measurement(s) had "
                             "fewer than " +
                             std::to_string(options.min_peers) + " communicators to compare");
  return analysis;
}

std::vector<Check> performance_peer_checks(const OutlierAnalysis& analysis) {
  std::vector<Check> out;
  for (const auto& s : analysis.suspects) {
    Check c{"performance-peers",
            std::string(kNativeEnvironment),
            s.subject,
            s.kind == SuspectKind::Gpu ? s.ranks.front() : -1,
            Verdict::Fail,
            join(s.evidence, "; "),
            "",
            ""};
    const std::string worst = fixed(100 * s.worst_gap, 1) + "%";
    switch (s.kind) {
      case SuspectKind::Gpu:
        c.diagnosis = "this GPU is up to " + worst + " slower than the other GPUs of its model in this run";
        c.fix = kGpuFix;
        break;
      case SuspectKind::Node:
        c.diagnosis = "this node is up to " + worst + " slower than its peers in this run";
        c.fix = kNodeFix;
        break;
      case SuspectKind::NodePair:
        c.diagnosis = "NCCL between these two nodes is up to " + worst +
                      " slower than between other node pairs, "
                      "while each node is fine with its other partners";
        c.fix = kPairFix;
        break;
    }
    out.push_back(std::move(c));
  }
  if (!out.empty()) return out;
  Check c{"performance-peers", std::string(kNativeEnvironment), "run", -1, Verdict::Pass, "", "", ""};
  if (analysis.figures_judged + analysis.nccl_groups_judged == 0) {
    c.verdict = Verdict::Waived;
    c.evidence = "nothing had enough peers to be compared with" +
                 (analysis.notes.empty() ? std::string() : ": " + join(analysis.notes, "; "));
  } else {
    c.evidence = std::to_string(analysis.figures_judged) + " figure(s) in " + std::to_string(analysis.groups_judged) +
                 " peer group(s)" +
                 (analysis.nccl_groups_judged
                      ? " and " + std::to_string(analysis.nccl_groups_judged) + " per-node or per-pair NCCL figure(s)"
                      : std::string()) +
                 " judged: no GPU, node or node pair stands out from its peers" +
                 (analysis.notes.empty() ? std::string() : " (" + join(analysis.notes, "; ") + ")");
  }
  out.push_back(std::move(c));
  return out;
}

std::shared_ptr<const OutlierAnalysis> peers_of(const RunRecord& run) {
  return run.peers ? run.peers : std::make_shared<const OutlierAnalysis>(find_outliers(run));
}

std::vector<Check> performance_peer_checks(const RunRecord& run) {
  const auto peers = peers_of(run);
  const auto& analysis = *peers;
  // A run too small to have peers gets no check (report.md says why), so that it reads as before.
  if (analysis.figures_judged + analysis.nccl_groups_judged == 0 && analysis.suspects.empty()) return {};
  return performance_peer_checks(analysis);
}

nlohmann::json to_json(const OutlierAnalysis& analysis) {
  nlohmann::json suspects = nlohmann::json::array();
  for (const auto& s : analysis.suspects)
    suspects.push_back({{"kind", name_of(s.kind)},
                        {"subject", s.subject},
                        {"hosts", s.hosts},
                        {"ranks", s.ranks},
                        {"worst_gap", s.worst_gap},
                        {"figures", s.figures},
                        {"evidence", s.evidence}});
  return {{"suspects", std::move(suspects)},
          {"figures_judged", analysis.figures_judged},
          {"groups_judged", analysis.groups_judged},
          {"nccl_groups_judged", analysis.nccl_groups_judged},
          {"notes", analysis.notes}};
}

}  // namespace gpucert

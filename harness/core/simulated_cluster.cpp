#include "simulated_cluster.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "nccl_figures.hpp"
#include "nccl_split.hpp"

namespace gpucert {
namespace {

// Healthy H100 SXM figures, rounded from docs/PERFORMANCE.md and suites/thresholds.json: what the spread and
// the planted outliers are applied to.
double healthy_figure(const Measurement& m) {
  const auto& p = m.params;
  const std::string precision = p.value("precision", "");
  if (m.workload == "stream") return p.value("kernel", "") == "dot" ? 2900 : 3050;
  if (m.workload == "host_copy") return 55;
  if (m.workload == "gemm") {
    static const std::map<std::string, double> peak{{"fp64", 55},  {"fp32", 51},  {"tf32", 380},
                                                    {"fp16", 750}, {"bf16", 770}, {"fp8", 1300}};
    const auto it = peak.find(precision);
    const double figure = it == peak.end() ? 100 : it->second;
    // A decode-sized GEMM (N of a few tokens) streams its weights: bound by memory, not tensor cores.
    const auto n = p.value("n", std::int64_t{0});
    return n > 0 && n <= 64 ? figure * 0.06 : figure;
  }
  if (m.workload == "conv") {
    static const std::map<std::string, double> peak{{"fp32", 35}, {"tf32", 140}, {"fp16", 320}, {"bf16", 320}};
    const auto it = peak.find(precision);
    const double figure = it == peak.end() ? 50 : it->second;
    return p.value("c", 64) < 16 ? figure * 0.4 : figure;  // a 3-channel first layer feeds tensor cores poorly
  }
  return 100;
}

enum class Scope { World, Node, Pair };

// nccl-tests' bus bandwidth at a size: latency plus size over the link's bandwidth.
double healthy_busbw(std::uint64_t bytes, Scope scope) {
  const double link = scope == Scope::Node ? 470e9 : 46e9;  // NVLink within a node; 400 Gb/s NICs between
  const double latency = scope == Scope::Node ? 12e-6 : 35e-6;
  const double b = static_cast<double>(std::max<std::uint64_t>(bytes, 1));
  return b / (latency + b / link) / 1e9;
}

class Noise {
 public:
  explicit Noise(std::uint64_t seed) : engine_(seed) {}
  // exp(N(0, spread)): multiplicative, never negative.
  double factor(double spread) { return spread > 0 ? std::exp(spread * normal_(engine_)) : 1.0; }

 private:
  std::mt19937_64 engine_;
  std::normal_distribution<double> normal_{0.0, 1.0};
};

Placement placement_of(const SimulatedCluster& c, int rank) {
  const int node = rank / c.gpus_per_node, local = rank % c.gpus_per_node;
  char uuid[64];
  std::snprintf(uuid, sizeof uuid, "GPU-5e1a7ed0-%04x-%04x-0000-%012d", node & 0xffff, local, rank);
  return {rank, local, simulated_host(node), local, c.gpu_model, uuid};
}

DeviceInfo device_of(const SimulatedCluster& c, int local) {
  DeviceInfo d;
  d.index = local;
  d.name = c.gpu_model;
  char bus[32];
  std::snprintf(bus, sizeof bus, "0000:%02x:00.0", 0x18 + 0x10 * local);
  d.pci_bus_id = bus;
  d.cc_major = 9;
  d.memory_bytes = 85'520'809'984ull;
  d.multiprocessors = 132;
  d.l2_bytes = 52'428'800;
  d.memory_clock_khz = 2'619'000;
  d.memory_bus_bits = 5120;
  return d;
}

RunReply reply_for(const Measurement& m, double seconds, int samples, double spread, Noise& noise,
                   nlohmann::json details) {
  RunReply reply;
  reply.status = RunStatus::Ok;
  const int n = samples > 0 ? samples : std::max(1, m.repetitions);
  reply.samples_s.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) reply.samples_s.push_back(seconds * noise.factor(spread));
  reply.verification = {true, std::max<std::uint64_t>(m.work / 8, 1), 0, 0, 0, "simulated"};
  reply.details = std::move(details);
  return reply;
}

// nccl-tests' busbw/algbw for `m` over n ranks; 1 where it is not defined (one rank: nothing crosses a link).
double busbw_factor_of(const Measurement& m, int n) {
  const auto basis = nccl_basis(m, {{"nranks", n}});
  return basis && basis->busbw_factor > 0 ? basis->busbw_factor : 1.0;
}

// The seconds one run of `m` takes at `figure` (GB/s or TFLOP/s) on `work` units.
double seconds_at(const Measurement& m, std::uint64_t work, double figure) {
  const double scale = m.metric == Metric::Bandwidth ? 1e9 : 1e12;
  return static_cast<double>(work) / (figure * scale);
}

}  // namespace

std::string simulated_host(int node) {
  char name[32];
  std::snprintf(name, sizeof name, "node-%04d", node);
  return name;
}

std::vector<RankRecord> simulated_ranks(const SimulatedCluster& c) {
  std::vector<RankRecord> ranks;
  const int total = c.nodes * c.gpus_per_node;
  ranks.reserve(static_cast<std::size_t>(total));
  for (int rank = 0; rank < total; ++rank) {
    RankRecord r;
    r.placement = placement_of(c, rank);
    r.usable = true;
    auto& p = r.probe;
    p.hostname = r.placement.host;
    p.worker_version = "simulated";
    p.cuda_build_version = 13000;
    p.driver_version = 13000;
    p.driver_release = "580.159.04";
    p.runtime_version = 13000;
    p.machine = "x86_64";
    p.libcuda = {"libcuda.so.1", true, "/usr/lib/x86_64-linux-gnu/libcuda.so.1", ""};
    // A worker sees only its own GPU (one task per GPU): index 0 in its environment.
    auto d = device_of(c, r.placement.local_rank);
    d.index = r.placement.device;
    d.uuid = r.placement.device_uuid;
    p.devices.push_back(d);
    ranks.push_back(std::move(r));
  }
  return ranks;
}

void simulate_results(const Suite& suite, const SimulatedCluster& c, const std::function<void(ResultRecord&&)>& sink) {
  const int total = c.nodes * c.gpus_per_node;
  Noise noise(c.seed);
  // Each GPU's own speed, per workload: the silicon and the cooling it got.
  std::map<std::string, std::vector<double>> gpu_speed;
  for (const auto& m : suite.plan)
    if (m.workload != "nccl" && !gpu_speed.count(m.workload)) {
      auto& speeds = gpu_speed[m.workload];
      for (int r = 0; r < total; ++r) speeds.push_back(noise.factor(c.gpu_spread));
    }
  std::vector<double> gpu_factor(static_cast<std::size_t>(total), 1.0),
      node_factor(static_cast<std::size_t>(c.nodes), 1.0);
  std::vector<bool> slow_compute(static_cast<std::size_t>(total), false);
  for (const auto& g : c.slow_gpus)
    if (g.rank >= 0 && g.rank < total) gpu_factor[static_cast<std::size_t>(g.rank)] *= g.factor;
  for (const auto& n : c.slow_nodes)
    if (n.node >= 0 && n.node < c.nodes) node_factor[static_cast<std::size_t>(n.node)] *= n.factor;
  for (const auto& g : c.slow_gpus)
    if (g.rank >= 0 && g.rank < total) slow_compute[static_cast<std::size_t>(g.rank)] = true;

  auto emit = [&](const Measurement& m, int rank, double figure, double spread, nlohmann::json details) {
    const auto where = placement_of(c, rank);
    std::uint64_t work = m.work;
    if (const auto basis = nccl_basis(m, details)) work = basis->algbw_bytes;
    if (work == 0) {
      // As the worker answers a collective whose share per rank rounds down to nothing.
      RunReply waived;
      waived.status = RunStatus::Waived;
      waived.message = m.id + " moves no element over " + details.value("nranks", nlohmann::json(1)).dump() +
                       " ranks: each rank's share rounds down to 0";
      waived.details = std::move(details);
      sink(make_record(m, where, std::move(waived)));
      return;
    }
    auto reply = reply_for(m, seconds_at(m, work, figure), c.samples, spread, noise, std::move(details));
    auto record = make_record(m, where, std::move(reply));
    if (c.summaries_only) record.reply.samples_s.clear();
    sink(std::move(record));
  };

  std::map<std::pair<int, int>, double> pair_factor;
  for (const auto& p : c.slow_pairs) pair_factor[std::minmax(p.first, p.second)] = p.factor;
  std::vector<std::string> host_of_rank;
  for (int rank = 0; rank < total; ++rank) host_of_rank.push_back(simulated_host(rank / c.gpus_per_node));
  const auto layout = node_layout(host_of_rank);
  // A split measurement a rank sits out, or one that the whole run waives.
  auto waive = [&](const Measurement& m, int rank, const std::string& why) {
    RunReply waived;
    waived.status = RunStatus::Waived;
    waived.message = why;
    sink(make_record(m, placement_of(c, rank), std::move(waived)));
  };

  for (const auto& m : suite.plan) {
    if (m.workload != "nccl") {
      const double healthy = healthy_figure(m);
      const auto& speeds = gpu_speed[m.workload];
      for (int rank = 0; rank < total; ++rank) {
        const auto r = static_cast<std::size_t>(rank);
        double figure = healthy * speeds[r] * noise.factor(c.figure_spread) *
                        node_factor[static_cast<std::size_t>(rank / c.gpus_per_node)];
        // A GPU held at low clocks loses compute; its memory and PCIe copies barely notice.
        if (slow_compute[r] && (m.workload == "gemm" || m.workload == "conv")) figure *= gpu_factor[r];
        emit(m, rank, figure, c.sample_spread, nlohmann::json::object());
      }
      continue;
    }
    const auto bytes = m.params.value("bytes", std::uint64_t{0});
    const auto split = split_plan(m);
    if (!split) {
      // The run's one communicator: every rank sees the same collective, with a little noise of its own.
      const double world = healthy_busbw(bytes, c.nodes > 1 ? Scope::World : Scope::Node);
      for (int rank = 0; rank < total; ++rank)
        emit(m, rank, world / busbw_factor_of(m, total) * noise.factor(c.sample_spread), c.sample_spread,
             {{"nranks", total}});
      continue;
    }
    if (!c.split_nccl) continue;
    // Per node and per node pair, each rank in the communicator a real run gives it (nccl_split.hpp).
    // One figure per communicator, drawn when its first rank comes.
    std::vector<std::optional<double>> figure_of_color(static_cast<std::size_t>(c.nodes));
    const auto pair_rounds = split->scope == "pair" ? node_pair_rounds(c.nodes, split->rounds)
                                                    : std::vector<std::vector<std::pair<int, int>>>{};
    for (int rank = 0; rank < total; ++rank) {
      const auto mine = rank_split(*split, layout, rank);
      if (mine.color < 0) {
        waive(m, rank, mine.waived);
        continue;
      }
      auto& figure = figure_of_color[static_cast<std::size_t>(mine.color)];
      if (!figure) {
        const int node = rank / c.gpus_per_node;
        if (split->scope == "node") {
          figure = healthy_busbw(bytes, Scope::Node) * node_factor[static_cast<std::size_t>(node)] *
                   noise.factor(c.figure_spread);
        } else {
          const auto& partners =
              pair_rounds[static_cast<std::size_t>(split->round - 1)][static_cast<std::size_t>(mine.color)];
          const auto planted = pair_factor.find(partners);
          figure = healthy_busbw(bytes, Scope::Pair) * (planted == pair_factor.end() ? 1.0 : planted->second) *
                   noise.factor(c.figure_spread);
        }
      }
      emit(m, rank, *figure / busbw_factor_of(m, mine.nranks) * noise.factor(c.sample_spread), c.sample_spread,
           {{"nranks", mine.nranks}, {"communicator", communicator_details(*split, mine)}});
    }
  }
}

std::set<std::pair<int, int>> measured_node_pairs(const Suite& suite, int nodes) {
  int rounds = 0;
  for (const auto& m : suite.plan)
    if (const auto split = split_plan(m); split && split->scope == "pair") rounds = std::max(rounds, split->rounds);
  std::set<std::pair<int, int>> pairs;
  for (const auto& round : node_pair_rounds(nodes, rounds)) pairs.insert(round.begin(), round.end());
  return pairs;
}

RunRecord simulate_run(const Suite& suite, const SimulatedCluster& cluster) {
  RunRecord run;
  run.build = {"simulated", "", 13000, "90"};
  run.suite_name = suite.name;
  run.suite_source = suite.source;
  run.started = "2026-12-02T00:00:00Z";
  run.finished = "2026-12-02T01:00:00Z";
  run.command = "gpucert simulate";
  run.ranks = simulated_ranks(cluster);
  simulate_results(suite, cluster, [&run](ResultRecord&& r) { run.results.push_back(std::move(r)); });
  return run;
}

}  // namespace gpucert

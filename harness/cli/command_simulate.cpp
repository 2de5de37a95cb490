// `gpucert simulate`: the output folder a run of a suite on a simulated cluster would leave (ranks.json,
// results.jsonl, run.json), with outliers planted where asked, for the peer-verdict tests and the scale
// benchmark (scripts/scale-benchmark, docs/PERFORMANCE.md). `gpucert report DIR` renders it like a real run.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "core/simulated_cluster.hpp"
#include "core/suite.hpp"
#include "reports/report_files.hpp"
#include "reports/run_folder.hpp"
#include "suite_source.hpp"

namespace gpucert::cli {
namespace {

// "77" or "77:0.7": an index and, optionally, the factor its figures are multiplied by.
bool parse_planted(const std::string& text, std::vector<int>& indices, double& factor, std::size_t count) {
  const auto colon = text.find(':');
  const std::string list = text.substr(0, colon);
  if (colon != std::string::npos) {
    char* end = nullptr;
    factor = std::strtod(text.c_str() + colon + 1, &end);
    if (*end != '\0' || !(factor > 0 && factor < 1)) return false;
  }
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = std::min(list.find(',', start), list.size());
    const std::string number = list.substr(start, comma - start);
    char* end = nullptr;
    const long value = std::strtol(number.c_str(), &end, 10);
    if (number.empty() || *end != '\0' || value < 0) return false;
    indices.push_back(static_cast<int>(value));
    start = comma + 1;
  }
  return indices.size() == count;
}

}  // namespace

CLI::App* add_simulate_command(CLI::App& app, SimulateArgs& args) {
  auto* cmd =
      app.add_subcommand("simulate",
                         "Write the results of a suite on a simulated cluster (healthy H100 figures with their spread, "
                         "outliers planted on request) into an output folder that `gpucert report` renders");
  cmd->add_option("--out", args.out, "Output folder (created)")->required();
  cmd->add_option("--suite", args.suite, "Suite name or .json path")->capture_default_str();
  cmd->add_option("--nodes", args.nodes, "Nodes")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--gpus-per-node", args.gpus_per_node, "GPUs (ranks) per node")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--samples", args.samples, "Samples per result; 0: each measurement's repetitions")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  cmd->add_option("--seed", args.seed, "Seed of the simulated spread")->capture_default_str();
  cmd->add_option("--slow-gpu", args.slow_gpus, "RANK[:FACTOR]: a GPU whose GEMM and convolution run at FACTOR (0.7)");
  cmd->add_option("--slow-node", args.slow_nodes, "NODE[:FACTOR]: a node whose every figure runs at FACTOR (0.8)");
  cmd->add_option("--slow-pair", args.slow_pairs, "NODE,NODE[:FACTOR]: NCCL between two nodes at FACTOR (0.5)");
  cmd->add_flag("--no-split-nccl", args.no_split_nccl,
                "Leave out the plan's per-node and per-pair NCCL measurements (the suite's \"split\")");
  cmd->add_flag("--summaries", args.summaries,
                "Records as a node forwards them when samples stay on the nodes: time summaries, no samples");
  cmd->footer(
      "\nExample:\n  gpucert simulate --out /tmp/sim --nodes 128 --slow-gpu 77:0.7 --slow-node 20 "
      "--slow-pair 4,123:0.6\n  gpucert report /tmp/sim\n\nExit codes: 0 written, 2 bad input or the folder "
      "cannot be written.");
  return cmd;
}

int command_simulate(const SimulateArgs& args) {
  SimulatedCluster cluster;
  cluster.nodes = args.nodes;
  cluster.gpus_per_node = args.gpus_per_node;
  cluster.samples = args.samples;
  cluster.seed = args.seed;
  cluster.split_nccl = !args.no_split_nccl;
  cluster.summaries_only = args.summaries;
  for (const auto& text : args.slow_gpus) {
    std::vector<int> at;
    PlantedGpu g;
    if (!parse_planted(text, at, g.factor, 1)) {
      std::fprintf(stderr, "gpucert: --slow-gpu '%s': expected RANK or RANK:FACTOR with 0 < FACTOR < 1\n",
                   text.c_str());
      return kExitBadInput;
    }
    g.rank = at[0];
    cluster.slow_gpus.push_back(g);
  }
  for (const auto& text : args.slow_nodes) {
    std::vector<int> at;
    PlantedNode n;
    if (!parse_planted(text, at, n.factor, 1) || at[0] >= args.nodes) {
      std::fprintf(stderr, "gpucert: --slow-node '%s': expected NODE or NODE:FACTOR, NODE below --nodes\n",
                   text.c_str());
      return kExitBadInput;
    }
    n.node = at[0];
    cluster.slow_nodes.push_back(n);
  }
  for (const auto& text : args.slow_pairs) {
    std::vector<int> at;
    PlantedPair p;
    if (!parse_planted(text, at, p.factor, 2) || at[0] == at[1] || at[0] >= args.nodes || at[1] >= args.nodes) {
      std::fprintf(stderr,
                   "gpucert: --slow-pair '%s': expected NODE,NODE or NODE,NODE:FACTOR, two nodes below "
                   "--nodes\n",
                   text.c_str());
      return kExitBadInput;
    }
    p.first = at[0];
    p.second = at[1];
    cluster.slow_pairs.push_back(p);
  }
  auto text = read_suite(args.suite);
  if (!text) {
    std::fprintf(stderr, "gpucert: %s\n", text.error().message.c_str());
    return kExitBadInput;
  }
  auto suite = parse_suite(text->text, text->source);
  if (!suite) {
    std::fprintf(stderr, "gpucert: %s\n", suite.error().message.c_str());
    return kExitBadInput;
  }
  // A slow link shows only where the plan measures it: refuse a planted pair no pair round brings together.
  if (!cluster.slow_pairs.empty()) {
    const auto measured = measured_node_pairs(*suite, args.nodes);
    for (const auto& p : cluster.slow_pairs)
      if (!cluster.split_nccl || !measured.contains(std::minmax(p.first, p.second))) {
        std::string partners;
        for (const auto& [a, b] : measured)
          if (a == p.first || b == p.first)
            partners += (partners.empty() ? "" : ", ") + std::to_string(a == p.first ? b : a);
        std::fprintf(
            stderr,
            "gpucert: --slow-pair %d,%d: the suite's pair rounds never put these nodes together "
            "(node %d meets: %s)\n",
            p.first, p.second, p.first,
            partners.empty() ? "no node; the suite has no \"split\": [\"pair\"] or --no-split-nccl" : partners.c_str());
        return kExitBadInput;
      }
  }
  const std::filesystem::path dir = args.out;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const nlohmann::json identity = {{"suite", {{"name", suite->name}, {"source", suite->source}}},
                                   {"command", "gpucert simulate"},
                                   {"started", utc_timestamp()},
                                   {"simulated", {{"nodes", args.nodes}, {"gpus_per_node", args.gpus_per_node}}}};
  if (auto s = reports::write_file_atomically(dir / "run.json", reports::json_text(identity, 2)); !s) {
    std::fprintf(stderr, "gpucert: %s\n", s.error().message.c_str());
    return kExitBadInput;
  }
  if (auto s = reports::write_ranks(simulated_ranks(cluster), dir); !s) {
    std::fprintf(stderr, "gpucert: %s\n", s.error().message.c_str());
    return kExitBadInput;
  }
  std::ofstream log(dir / "results.jsonl", std::ios::binary | std::ios::trunc);
  std::size_t count = 0;
  simulate_results(*suite, cluster, [&](ResultRecord&& r) {
    log << to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    ++count;
  });
  log.close();
  if (!log) {
    std::fprintf(stderr, "gpucert: cannot write %s\n", (dir / "results.jsonl").string().c_str());
    return kExitBadInput;
  }
  std::printf("%s: %zu result(s) of %d rank(s) on %d node(s)\n", dir.string().c_str(), count,
              args.nodes * args.gpus_per_node, args.nodes);
  return kExitPassed;
}

}  // namespace gpucert::cli

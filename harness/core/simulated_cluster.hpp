// A simulated cluster: result records as a run of a suite on N nodes of G GPUs would gather them, with the
// figures of healthy H100-class GPUs, their spread from GPU to GPU and from sample to sample, and outliers
// planted where a test asks: a slow GPU, a slow node, a slow link between two nodes. It feeds the peer-verdict
// tests and the scale benchmark (`gpucert simulate`, docs/PERFORMANCE.md); nothing in a real run uses it.
//
// NCCL is simulated as the plan has it: the run's one communicator over every rank and, for the items with
// "split", communicators of one node and of node pairs, each rank in the communicator a real run gives it
// (nccl_split.hpp) and each record naming it as a real run does (details.communicator).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "run_record.hpp"
#include "suite.hpp"

namespace gpucert {

struct PlantedGpu {
  int rank = 0;
  double factor = 0.7;  // its GEMM and convolution figures times this (a GPU held at low clocks)
};
struct PlantedNode {
  int node = 0;
  double factor = 0.8;  // every figure of its GPUs and its single-node NCCL times this (a node-wide power cap)
};
struct PlantedPair {
  int first = 0, second = 1;
  double factor = 0.5;  // NCCL between the two nodes times this (a bad cable or port)
};

struct SimulatedCluster {
  int nodes = 16;
  int gpus_per_node = 8;
  std::string gpu_model = "NVIDIA H100 80GB HBM3";
  std::uint64_t seed = 1;
  int samples = 0;  // per record; 0: each measurement's repetitions, as a real run keeps them
  // Records as a node forwards them when samples stay on the nodes: the time summary, no samples.
  bool summaries_only = false;
  double gpu_spread = 0.015;     // relative standard deviation from GPU to GPU (silicon, cooling)
  double figure_spread = 0.008;  // of one measurement's median on one GPU
  double sample_spread = 0.004;  // of one sample around that median
  bool split_nccl = true;        // false: the plan's per-node and per-pair measurements are left out
  std::vector<PlantedGpu> slow_gpus;
  std::vector<PlantedNode> slow_nodes;
  std::vector<PlantedPair> slow_pairs;
};

// "node-0007": the host name of node 7.
std::string simulated_host(int node);

// The rank table: every rank usable, its GPU probed as a worker would report it.
std::vector<RankRecord> simulated_ranks(const SimulatedCluster& cluster);

// Every result of `suite`'s plan on every rank, in the order a run gathers them (measurement by measurement,
// rank by rank), handed to `sink` one at a time so that a large cluster is never held whole.
void simulate_results(const Suite& suite, const SimulatedCluster& cluster,
                      const std::function<void(ResultRecord&&)>& sink);

// The node pairs the plan's pair rounds measure on `nodes` nodes: the only pairs a planted slow link can show in.
std::set<std::pair<int, int>> measured_node_pairs(const Suite& suite, int nodes);

// The whole run in memory: ranks, results, suite and times (no checks).
RunRecord simulate_run(const Suite& suite, const SimulatedCluster& cluster);

}  // namespace gpucert

#include "nccl_run.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <cuda_runtime_api.h>
#include <nccl.h>

#include "common/cuda_check.hpp"
#include "common/device_resources.hpp"
#include "common/plugin_glue.hpp"
#include "common/sampler.hpp"
#include "common/test_corruption.hpp"
#include "communicator.hpp"
#include "core/nccl_bandwidth.hpp"
#include "data.hpp"
#include "enqueue.hpp"
#include "known_defects.hpp"
#include "run_plan.hpp"

namespace gpucert::kernels::nccl {
namespace {

// Default flags on purpose: the waits poll cudaEventQuery, and cudaEventBlockingSync would only put a
// sleep between a collective's end and the host noticing it.
class EventPair {
 public:
  EventPair() {
    GPUCERT_CUDA_TRY(cudaEventCreate(&start));
    GPUCERT_CUDA_TRY(cudaEventCreate(&stop));
  }
  ~EventPair() {
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
  }
  EventPair(const EventPair&) = delete;
  EventPair& operator=(const EventPair&) = delete;
  cudaEvent_t start{}, stop{};
};

class CapturedGraph {
 public:
  CapturedGraph() = default;
  ~CapturedGraph() {
    if (exec) cudaGraphExecDestroy(exec);
    if (graph) cudaGraphDestroy(graph);
  }
  CapturedGraph(const CapturedGraph&) = delete;
  CapturedGraph& operator=(const CapturedGraph&) = delete;
  cudaGraph_t graph{};
  cudaGraphExec_t exec{};
};

// This rank's buffers. Out of place: a send and a receive buffer. In place (nccl-tests' offsets): one
// buffer of the larger size; all_gather's input is this rank's chunk of the output, reduce_scatter's output
// this rank's chunk of the input.
struct Buffers {
  Buffers(const RunPlan& plan, const CollectiveCounts& counts, int rank) {
    const auto bytes = [&](std::uint64_t elements) { return static_cast<std::size_t>(elements * plan.type_bytes); };
    if (plan.in_place) {
      recv_memory = DeviceMemory(bytes(std::max(counts.send, counts.recv)));
      char* base = recv_memory.as<char>();
      send = base + bytes(counts.send_in_place_offset * static_cast<std::uint64_t>(rank));
      recv = base + bytes(counts.recv_in_place_offset * static_cast<std::uint64_t>(rank));
    } else {
      send_memory = DeviceMemory(bytes(counts.send));
      recv_memory = DeviceMemory(bytes(counts.recv));
      send = send_memory.get();
      recv = recv_memory.get();
    }
  }
  DeviceMemory send_memory, recv_memory;
  void* send = nullptr;
  void* recv = nullptr;
};

// Bytes that no expected value has: NaN in every float type, 0x7F7F7F7F in int32 (all-ones would be -1,
// which data movement sends).
void poison(const RunPlan& plan, const DeviceMemory& memory, cudaStream_t stream) {
  GPUCERT_CUDA_TRY(cudaMemsetAsync(memory.get(), plan.element == Element::I32 ? 0x7F : 0xFF, memory.bytes(), stream));
}

// Where this rank's output elements come from (data.hpp).
Source source_of(const RunPlan& plan, const CollectiveCounts& counts, int rank, int nranks) {
  const auto share = counts.count;
  switch (plan.collective) {
    case Collective::ReduceScatter:
      return {0, 0, share * static_cast<std::uint64_t>(rank)};
    case Collective::AllGather:
      return {share, 0, 0};
    case Collective::AllToAll:
      return {share, 0, share * static_cast<std::uint64_t>(rank)};
    case Collective::Broadcast:
      return {0, plan.root, 0};
    case Collective::SendRecv:
      return {0, (rank - 1 + nranks) % nranks, 0};
    case Collective::AllReduce:
    case Collective::Reduce:
      break;
  }
  return {};
}

// ncclAvg on floating types multiplies each input by 1/n before summing (PreMulSum), which rounds unless n
// is a power of two; allow n units in the last place then. Everything else must match exactly.
double tolerance_of(const RunPlan& plan, int nranks) {
  if (plan.op != Op::Avg || plan.element == Element::I32 || (nranks & (nranks - 1)) == 0) return 0.0;
  const double epsilon = plan.element == Element::F64   ? 0x1.0p-52
                         : plan.element == Element::F32 ? 0x1.0p-23
                         : plan.element == Element::F16 ? 0x1.0p-10
                                                        : 0x1.0p-7;
  return nranks * epsilon;
}

int nccl_version_code() {
  int v = 0;
  return ncclGetVersion(&v) == ncclSuccess ? v : 0;
}

std::string nccl_version(int v) {
  if (v == 0) return "unknown";
  // NCCL_VERSION(X,Y,Z) is X*10000 + Y*100 + Z since 2.9.
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

// ncclAvg on floating types is PreMulSum inside NCCL (integers sum, then divide).
bool is_premul_sum(const RunPlan& plan) { return plan.op == Op::Avg && plan.element != Element::I32; }

}  // namespace

RunReply run_nccl(const RunRequest& request) {
  auto read = read_plan(request.params);
  if (!read) return error_reply(read.error().describe());
  const RunPlan& plan = *read;
  auto& world = Communicator::instance();
  if (!world.ready() && !plan.split) return error_reply(world.absent_reason());
  Communicator* chosen = &world;
  if (plan.split) {
    const auto& s = *plan.split;
    chosen = world.split(s.name, s.color, s.key, s.nranks);
    if (!chosen)
      return waived_reply(s.waived.empty() ? "this rank is not in any communicator of split " + s.name : s.waived);
  }
  auto& comm = *chosen;
  const int rank = comm.rank(), n = comm.nranks();
  if (plan.root >= n)
    return error_reply("nccl: root " + std::to_string(plan.root) + " is not among the " + std::to_string(n) + " ranks");
  const auto counts = collective_counts(plan.collective, plan.bytes, plan.type_bytes, n);
  const std::string label = std::string(name_of(plan.collective)) + " of " + std::to_string(plan.bytes) + " B (" +
                            plan.precision + ") over " + std::to_string(n) + " ranks";
  if (counts.count == 0)
    return waived_reply(label +
                        " moves no element: each rank's share rounds down to 0 (nccl-tests prints it as a "
                        "0-byte line)");
  Values values{plan.element, plan.op, n, request.seed, 8};
  if (plan.op == Op::Sum) {
    values.spread = exact_sum_spread(plan.element, n);
    if (values.spread == 0)
      return waived_reply(label + ": a sum over " + std::to_string(n) + " ranks is not exact in " + plan.precision +
                          ", so its result cannot be verified");
  }

  GPUCERT_CUDA_TRY(cudaSetDevice(comm.device()));
  OwnedStream owned_stream;
  const cudaStream_t stream = owned_stream.get();
  Buffers buffers(plan, counts, rank);
  DeviceMemory start_line(16);
  GPUCERT_CUDA_TRY(cudaMemsetAsync(start_line.get(), 0, start_line.bytes(), stream));
  EventPair events;

  const auto collective = [&] { enqueue_collective(plan, counts.count, buffers.send, buffers.recv, comm, stream); };
  const auto wait = [&](Communicator::Watch& watch) {
    GPUCERT_CUDA_TRY(cudaEventRecord(events.stop, stream));
    watch.wait(events.stop);
  };
  // Fresh inputs and a poisoned output: what the verification run starts from, and the warm-up too, so
  // that nothing is ever timed on uninitialised memory.
  const auto prepare = [&] {
    poison(plan, buffers.recv_memory, stream);
    fill_inputs(buffers.send, counts.send, values, rank, stream);
  };

  // At least one untimed collective, as nccl-tests' sync collective before timing: NCCL makes its
  // connections on first use, and that must not land in a sample.
  prepare();
  {
    Communicator::Watch watch(comm, "the warm-up collectives");
    for (int i = 0; i < std::max(request.warmup, 1); ++i) collective();
    wait(watch);
  }

  CapturedGraph captured;
  if (plan.graph) {
    // Thread-local capture: NCCL may allocate while capturing (connections made on first use).
    Communicator::Watch watch(comm, "capturing the collectives in a CUDA graph");
    GPUCERT_CUDA_TRY(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    try {
      for (int i = 0; i < plan.iterations; ++i) collective();
    } catch (...) {
      cudaGraph_t abandoned = nullptr;
      cudaStreamEndCapture(stream, &abandoned);
      if (abandoned) cudaGraphDestroy(abandoned);
      throw;
    }
    GPUCERT_CUDA_TRY(cudaStreamEndCapture(stream, &captured.graph));
    watch.close();
    // WithFlags: the one spelling CUDA 11.4 to 13 share (CUDA 11's cudaGraphInstantiate takes an error buffer).
    GPUCERT_CUDA_TRY(cudaGraphInstantiateWithFlags(&captured.exec, captured.graph, 0));
  }

  // Nothing in here but the NCCL calls, two event records and the wait: arming and ending the watch are a
  // few atomic operations, and in blocking mode a successful call costs one comparison in check().
  const auto once = [&]() -> double {
    Communicator::Watch watch(comm, "the timed collectives");
    comm.check(ncclAllReduce(start_line.get(), start_line.get(), 4, ncclInt32, ncclSum, comm.get(), stream),
               "ncclAllReduce (start line)");
    GPUCERT_CUDA_TRY(cudaEventRecord(events.start, stream));
    if (plan.graph) {
      GPUCERT_CUDA_TRY(cudaGraphLaunch(captured.exec, stream));
    } else {
      for (int i = 0; i < plan.iterations; ++i) collective();
    }
    wait(watch);
    float ms = 0;
    GPUCERT_CUDA_TRY(cudaEventElapsedTime(&ms, events.start, events.stop));
    return static_cast<double>(ms) * 1e-3 / plan.iterations;
  };
  RunReply reply;
  reply.samples_s = sample_device_time(request.id, 0, request.repetitions, once);

  prepare();
  {
    Communicator::Watch watch(comm, "the verification collective");
    collective();
    wait(watch);
  }
  const bool defined_here = plan.collective != Collective::Reduce || rank == plan.root;
  const double tolerance = tolerance_of(plan, n);
  Check check;
  corrupt_output_for_test("nccl", buffers.recv, static_cast<std::size_t>(counts.recv * plan.type_bytes), stream,
                          CorruptSpan::Element, rank);
  if (defined_here)
    check = check_outputs(buffers.recv, counts.recv, values, source_of(plan, counts, rank, n), tolerance, stream);

  auto& v = reply.verification;
  v.checked = defined_here ? counts.recv : 0;
  v.mismatches = check.mismatches;
  v.max_rel_error = check.max_rel_error;
  v.tolerance = tolerance;
  v.passed = check.mismatches == 0;
  v.method = !defined_here   ? "reduce defines only the root's output; nothing to compare on this rank"
             : tolerance > 0 ? "every output element against its closed-form value, within n ulp (avg rounds 1/n)"
                             : "every output element against its closed-form value, exactly";
  reply.status = v.passed ? RunStatus::Ok : RunStatus::Failed;
  if (!v.passed)
    reply.message = std::to_string(check.mismatches) + " of " + std::to_string(counts.recv) +
                    " output elements wrong on rank " + std::to_string(rank);
  const int version = nccl_version_code();
  reply.details = {{"nranks", n},
                   {"rank", rank},
                   {"collective", name_of(plan.collective)},
                   {"precision", plan.precision},
                   {"count", counts.count},
                   {"send_elements", counts.send},
                   {"recv_elements", counts.recv},
                   {"algbw_bytes", std::max(counts.send, counts.recv) * plan.type_bytes},
                   {"in_place", plan.in_place},
                   {"graph", plan.graph},
                   {"iterations", plan.iterations},
                   {"nccl_version", nccl_version(version)}};
  if (!plan.reduction.empty()) reply.details["reduction"] = plan.reduction;
  if (plan.collective == Collective::Broadcast || plan.collective == Collective::Reduce)
    reply.details["root"] = plan.root;
  // A known NCCL defect explains the failure only when the wrong elements are exactly the ones it
  // predicts: all of the unwritten tail, and nothing before it. The result stays failed: the output is wrong.
  if (const auto unwritten = one_rank_avg_unwritten(version, n, is_premul_sum(plan), counts.recv, plan.type_bytes);
      !v.passed && defined_here && unwritten > 0 && check.mismatches == unwritten &&
      check_outputs(buffers.recv, counts.recv - unwritten, values, source_of(plan, counts, rank, n), tolerance, stream)
              .mismatches == 0) {
    reply.message += ": the last " + std::to_string(unwritten) + " elements were never written, exactly as " +
                     kOneRankAvgDefect + " predicts (one-rank avg on a floating type leaves the tail of the output " +
                     "untouched; fixed in NCCL 2.29.7, this is NCCL " + nccl_version(version) + ")";
    reply.details["nccl_defect"] = kOneRankAvgDefect;
    reply.details["unwritten_elements"] = unwritten;
  }
  return reply;
}

}  // namespace gpucert::kernels::nccl

// A typed conversation with one worker: probe, run, quit, each with its deadline.
#pragma once

#include <chrono>
#include <memory>

#include "core/devel_check.hpp"
#include "core/measurement.hpp"
#include "core/probe_report.hpp"
#include "core/protocol.hpp"
#include "process.hpp"

namespace gpucert::runtime {

class WorkerClient {
 public:
  static Outcome<WorkerClient> start(const LaunchSpec& spec);

  Outcome<ProbeReport> probe(std::chrono::milliseconds timeout);
  // Never fails as a value: a dead, hung or confused worker gives an "error" reply that says so.
  RunReply run(const Measurement& m, int device, std::uint64_t seed, std::chrono::milliseconds timeout);
  // The NCCL rendezvous. Never fail as a value either: a dead or confused worker gives a failed NcclReply.
  NcclReply nccl_id(std::chrono::milliseconds timeout);
  NcclReply nccl_init(const NcclInitRequest& request, std::chrono::milliseconds timeout);
  // The devel flavour's check: the worker compiles a one-kernel program with the environment's nvcc and runs
  // it, within `timeout` (whole seconds, at least 1). Never fails as a value: a dead or confused worker, or
  // one that does not know the request, gives a reply with ok false and a message that says so.
  DevelCheckReply devel_check(std::chrono::milliseconds timeout);
  // NVML's view of the GPUs once more (the suite's "after"), with the critical events since the probe. An error
  // value when the worker is gone or does not know the request.
  Outcome<GpuHealthReport> health(std::chrono::milliseconds timeout);
  void quit();
  [[nodiscard]] bool alive() const { return process_ != nullptr; }

 private:
  explicit WorkerClient(std::unique_ptr<WorkerProcess> p) : process_(std::move(p)) {}
  NcclReply nccl_exchange(const Request& request, const std::string& op, std::chrono::milliseconds timeout);
  std::unique_ptr<WorkerProcess> process_;
};

}  // namespace gpucert::runtime

// A typed conversation with one worker: probe, run, quit, each with its deadline.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "core/devel_check.hpp"
#include "core/measurement.hpp"
#include "core/probe_report.hpp"
#include "core/protocol.hpp"
#include "process.hpp"

namespace gpucert::runtime {

// A worker that dies, hangs past its deadline or answers what is not the protocol is killed, its stderr tail kept
// in the reply's message, and replaced by a fresh one from the same launch at the next request
// (docs/RELIABILITY.md).
class WorkerClient {
 public:
  static Outcome<WorkerClient> start(const LaunchSpec& spec);
  // Run before a replacement starts: a container runtime's leftover (a killed runc's container) is removed here.
  void set_before_restart(std::function<void()> hook) { before_restart_ = std::move(hook); }
  // Workers started after the first one, by this client.
  [[nodiscard]] int restarts() const { return restarts_; }

  Outcome<ProbeReport> probe(std::chrono::milliseconds timeout);
  // Never fails as a value: a dead or confused worker gives a "crashed" reply, a hung one "timed_out", and the
  // next request goes to a fresh worker. A worker that cannot be started again gives "error".
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
  WorkerClient(std::unique_ptr<WorkerProcess> p, LaunchSpec spec) : process_(std::move(p)), spec_(std::move(spec)) {}
  NcclReply nccl_exchange(const Request& request, const std::string& op, std::chrono::milliseconds timeout);
  // A fresh worker where the last one was given up; the error says why none could be started.
  Status ensure_running();
  // Gives the worker up after a failed exchange or a reply that is not the protocol; the reply's status.
  RunStatus give_up(ExchangeFailure failure);
  std::unique_ptr<WorkerProcess> process_;
  LaunchSpec spec_;
  std::function<void()> before_restart_;
  int restarts_ = 0;
};

}  // namespace gpucert::runtime

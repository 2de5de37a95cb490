// The NCCL rendezvous (docs/ARCHITECTURE.md, "NCCL rendezvous"), once per run and only when the plan has nccl
// measurements: global rank 0's worker makes the unique id, MPI carries it to every rank, every rank's worker joins the
// communicator with its global rank, the world size and its GPU. Workers never see MPI, so this works the same natively
// and in containers. The outcome is the same on every rank: ready, or the reason (naming ranks and hosts)
// for which every nccl measurement is then recorded as unavailable or error without running.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/measurement.hpp"
#include "core/result.hpp"
#include "core/run_record.hpp"
#include "core/workloads/workload_spec.hpp"
#include "mpi_world.hpp"
#include "progress.hpp"
#include "rank_setup.hpp"

namespace gpucert::coordinator {

struct NcclSession {
  bool needed = false;                        // the plan has nccl measurements
  bool ready = false;                         // every rank's worker joined the communicator
  RunStatus status = RunStatus::Unavailable;  // of the nccl measurements when not ready
  std::string reason;                         // why not ready

  // Whether measurement m runs; the others were recorded by nccl_not_run.
  [[nodiscard]] bool runs(const Measurement& m) const { return !needs_setup(m, WorkloadSetup::Communicator) || ready; }
};

// Collective. `ranks` is the rank table (meaningful at the root). Ranks join only when every rank has a
// usable GPU, or none has (then each worker's own failure names the cause, and nobody waits): a rank with
// a GPU would otherwise wait out the timeout for one that never joins. `timeout` bounds each worker's wait
// for the others (nccl_init's timeout_s, and every later collective's).
// `record` and `worker` (null when it is not running) are this rank's in one environment, `environment` its
// name for the progress lines ("" for native).
NcclSession nccl_rendezvous(const MpiWorld& world, const std::vector<Measurement>& plan, const RankRecord& record,
                            runtime::WorkerClient* worker, const std::vector<RankRecord>& ranks,
                            std::chrono::seconds timeout, std::chrono::milliseconds worker_timeout,
                            const MpiWorld::StallHandler& on_stall, ProgressSink& progress,
                            const std::string& environment);

// When the session is not ready: one record per nccl measurement and rank of the table, with the reason.
std::vector<ResultRecord> nccl_not_run(const NcclSession& session, const std::vector<Measurement>& plan,
                                       const std::vector<RankRecord>& ranks);

}  // namespace gpucert::coordinator

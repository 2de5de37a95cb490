// The health checks' "after" (docs/HEALTH.md): once the suite has run, each rank asks its native worker for
// NVML's view again, with the Xid events seen since the probe, and the root keeps it on that rank's record.
#pragma once

#include <chrono>
#include <vector>

#include "core/run_record.hpp"
#include "mpi_world.hpp"
#include "runtime/worker_client.hpp"

namespace gpucert::coordinator {

// Collective. `worker` is this rank's native worker (null when it has none); at the root, `ranks` is the
// run's rank table, whose records get their health_after. A rank that cannot answer leaves its record
// without one, and the checks say so.
void record_health_after(const MpiWorld& world, runtime::WorkerClient* worker, std::vector<RankRecord>& ranks,
                         std::chrono::milliseconds timeout, const MpiWorld::StallHandler& on_stall);

}  // namespace gpucert::coordinator

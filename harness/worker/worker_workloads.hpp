// The workloads built into gpucert-worker (kernels/workloads.cmake marks them WORKER): the table is generated,
// so a new built-in workload is its folder and one line there.
#pragma once

#include <vector>

#include "core/protocol.hpp"

namespace gpucert::worker {

struct WorkerWorkload {
  const char* name;
  RunReply (*run)(const RunRequest& request);
};

const std::vector<WorkerWorkload>& worker_workloads();

}  // namespace gpucert::worker

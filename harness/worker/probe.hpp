// The worker's probe: what CUDA, the driver and the environment look like from inside this process.
#pragma once

#include <string>
#include <vector>

#include "core/probe_report.hpp"

namespace gpucert::worker {

// Never throws: every failure becomes a fact in the report (cuda_error, libcuda.error, ...).
ProbeReport probe_environment(const std::vector<WorkloadAvailability>& workloads);

}  // namespace gpucert::worker

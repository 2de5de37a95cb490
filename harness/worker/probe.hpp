// The worker's probe: what CUDA, the driver and the environment look like from inside this process.
#pragma once

#include <string>
#include <vector>

#include "core/probe_report.hpp"

namespace gpucert::worker {

// Never throws: every failure becomes a fact in the report (cuda_error, libcuda.error, ...).
ProbeReport probe_environment(const std::vector<WorkloadAvailability>& workloads);

// CUDA's UUID of device `index` as NVML spells it ("GPU-xxxxxxxx-..."); empty when CUDA cannot say.
std::string device_uuid(int index);

}  // namespace gpucert::worker

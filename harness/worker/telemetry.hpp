// The worker's NVML (docs/HEALTH.md): one GpuMonitor for the process, opened at first use, whose event set
// then watches for Xid errors until the worker exits.
#pragma once

#include <functional>

#include "core/gpu_telemetry.hpp"
#include "core/protocol.hpp"

namespace gpucert::worker {

// Every GPU NVML sees, and the critical events since the worker first asked.
GpuHealthReport gpu_health();

// Runs `run` with the NVML sampler on CUDA device `device` and puts what it read on the reply's telemetry,
// or says why there is none. GPUCERT_TELEMETRY_PERIOD_MS sets the sampling period (default 5; 0 turns the
// sampler off).
RunReply with_telemetry(int device, const std::function<RunReply()>& run);

}  // namespace gpucert::worker

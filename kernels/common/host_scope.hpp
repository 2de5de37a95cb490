// Workloads that measure a host's GPUs together (peer copies between every pair, host copies to all GPUs at once)
// run in one worker per host: the one whose GPU is the first this process sees. Every other rank's worker waives
// the measurement, so that no two workers drive the same links at the same time, and the host is measured once.
#pragma once

#include <optional>

#include "core/protocol.hpp"

namespace gpucert::kernels {

int visible_gpu_count();

// A waived reply when this worker is not the host's measuring one, or when it sees fewer than `min_gpus` GPUs.
std::optional<RunReply> waive_unless_host_leader(const RunRequest& request, int min_gpus);

}  // namespace gpucert::kernels

// The worker's check before a run allocates anything: the measurement's device memory (core/device_memory.hpp)
// against what is free on its GPU now (docs/RELIABILITY.md, "Device memory").
#pragma once

#include <optional>

#include "core/protocol.hpp"

namespace gpucert::worker {

// An "error" reply naming the figure needed and the figure free when the request cannot fit; nullopt when it
// fits, when its workload has no known figure (a third-party plugin), or when the device cannot be queried
// (the kernel then reports that failure itself). `nranks`: the size of the NCCL communicator, for nccl.
std::optional<RunReply> refuse_if_too_large(const RunRequest& request, int nranks);

}  // namespace gpucert::worker

// One nccl measurement on this worker's communicator (communicator.hpp):
//  1. Buffers for the size as nccl-tests splits it (core/nccl_bandwidth.hpp); in place, one buffer holds both.
//  2. `warmup` collectives, untimed (nccl-tests -w); at least one, which also makes NCCL's connections.
//  3. `repetitions` samples, each `iterations` back-to-back collectives between two CUDA events (nccl-tests
//     -n), optionally captured once into a CUDA graph and replayed (nccl-tests -G); the sample is the
//     average time of one collective. Before each sample a 16-byte all_reduce lines the ranks up, so that
//     no rank's start event waits for a late peer.
//  4. Verification, untimed, as nccl-tests does it: inputs filled afresh, outputs poisoned, one collective,
//     then every output element of this rank compared on the device with its closed-form value
//     (data.hpp): the mismatches are nccl-tests' #wrong for this rank.
// Every wait watches the communicator against the nccl_init timeout (a dead peer aborts it; the reply says so).
#pragma once

#include "core/protocol.hpp"

namespace gpucert::kernels::nccl {

RunReply run_nccl(const RunRequest& request);

}  // namespace gpucert::kernels::nccl

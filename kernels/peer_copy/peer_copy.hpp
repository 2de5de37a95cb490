// peer_copy: every ordered pair of the host's GPUs, one pair at a time, `bytes` from one to the other per run.
// params: {"engine": "ce|sm", "direction": "uni|bi", "bytes": N}
//   ce: cudaMemcpyPeerAsync, the copy engines; sm: a copy kernel on the source GPU writing into the peer's memory
//   (needs peer access). bi: both directions of the pair at once, each on its own GPU's stream.
// The worker of the host's first GPU measures all pairs (common/host_scope.hpp); its figure is the slowest pair's,
// and details.pairs holds every pair's median, link and physical limit.
#pragma once

#include "core/protocol.hpp"

namespace gpucert::kernels {

RunReply run_peer_copy(const RunRequest& request);

}  // namespace gpucert::kernels

// host_copy_all: `bytes` between pinned host memory and every GPU of the host at once, where the host's shared
// limits show (root ports, PCIe switches, the memory of one socket), beside each GPU's copy alone.
// params: {"direction": "h2d|d2h", "bytes": N}
// The worker of the host's first GPU measures (common/host_scope.hpp). The figure is bytes over the time of the
// copies to all GPUs at once: what each GPU gets while all copy. details has each GPU's figure alone, the
// aggregate, and the host's share: the aggregate over the sum of the GPUs' figures alone.
#pragma once

#include "core/protocol.hpp"

namespace gpucert::kernels {

RunReply run_host_copy_all(const RunRequest& request);

}  // namespace gpucert::kernels

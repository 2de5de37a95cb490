// host_copy: one cudaMemcpyAsync between pinned host memory and the device per run.
// params: {"direction": "h2d|d2h", "bytes": N}
#pragma once

#include "core/protocol.hpp"

namespace gpucert::kernels {

RunReply run_host_copy(const RunRequest& request);

}  // namespace gpucert::kernels

// stream: BabelStream's kernels over three device arrays, on the device the request names.
// params: {"kernel": "copy|mul|add|triad|dot|nstream", "precision": "fp32|fp64", "elements": N}
#pragma once

#include "core/protocol.hpp"

namespace gpucert::kernels {

RunReply run_stream(const RunRequest& request);

}  // namespace gpucert::kernels

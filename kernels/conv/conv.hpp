// conv: one cuDNN convolution (forward, backward_data or backward_filter), autotuned, timed and verified on the
// device the request names. params: see conv_params.hpp.
#pragma once

#include "core/protocol.hpp"

namespace gpucert::kernels::conv {

RunReply run_conv(const RunRequest& request);

}  // namespace gpucert::kernels::conv

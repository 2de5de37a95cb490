// gemm: D = A·B through cuBLASLt on the device the request names, verified after every run.
// params: {"precision": "fp64|fp32|tf32|fp16|bf16|fp8", "m": M, "n": N, "k": K}
//         optional "fp8_fast_accumulation": true (default false), cuBLASLt's faster fp8 mode that skips the
//         periodic promotion of partial sums to fp32; for comparing with frameworks that enable it.
#pragma once

#include "core/protocol.hpp"

namespace gpucert::kernels {

RunReply run_gemm(const RunRequest& request);

}  // namespace gpucert::kernels

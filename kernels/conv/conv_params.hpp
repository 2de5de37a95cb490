// The run request's params for conv: {"precision":"fp32|tf32|fp16|bf16","n","c","h","w","k","r","s",
// "pad","stride","dilation","direction":"forward|backward_data|backward_filter"}. pad, stride and dilation may
// be left out (0, 1, 1), as in a suite; direction too (forward: a forward measurement's params carry none).
#pragma once

#include <nlohmann/json.hpp>

#include "conv_problem.hpp"

namespace gpucert::kernels::conv {

// Throws std::invalid_argument naming the field when params do not describe a convolution.
ConvProblem parse_conv_params(const nlohmann::json& params);

}  // namespace gpucert::kernels::conv

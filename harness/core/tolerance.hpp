// How far a GEMM or convolution result may lie from an fp64 reference computed from the same (already
// rounded) inputs, per precision. The figure is the relative Frobenius error ||out − ref|| / ||ref|| over
// the checked elements; NaN or inf never passes, whatever the limit.
#pragma once

#include <string_view>

namespace gpucert {

// The limit for "fp64", "fp32", "tf32", "fp16", "bf16" or "fp8"; std::invalid_argument for anything else.
// Each limit sits well above what correct arithmetic of that precision gives and, where it matters, below
// what a silently cheaper precision would give (tf32 standing in for fp32 fails the fp32 limit).
double relative_error_limit(std::string_view precision);

}  // namespace gpucert

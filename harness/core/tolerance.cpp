#include "tolerance.hpp"

#include <array>
#include <stdexcept>
#include <string>
#include <utility>

namespace gpucert {
namespace {

// Typical errors below were measured on inputs uniform in [-1, 1), K from 64 to 65536 (a host simulation
// of each precision's rounding against an fp64 reference); they barely depend on K except fp32's.
constexpr std::array<std::pair<std::string_view, double>, 6> kLimits{{
    // fp64 accumulation lands near 1e-15; 1e-12 leaves three decades for blocked or split-K orders and
    // still fails anything that went through fp32 (~1e-7).
    {"fp64", 1e-12},
    // fp32 FMA accumulation grows like sqrt(K)·2^-24: ~2e-6 at K=8192, ~5e-6 at K=65536 summed in one
    // sequence. 1e-4 is 20x that, yet below TF32's ~3e-4, so fp32 quietly run on TF32 tensor cores
    // (cuBLAS's CUBLAS_TF32_TENSOR_OP_MATH, cuDNN's default math since Ampere) is caught.
    {"fp32", 1e-4},
    // TF32 keeps 10 mantissa bits of each fp32 input: ~2.6e-4 when inputs are rounded to nearest, ~7e-4
    // when truncated (both occur in libraries); 5e-3 covers either with room for convolution algorithms
    // (Winograd, FFT) that add their own rounding.
    {"tf32", 5e-3},
    // fp16 inputs are exact in the reference, accumulation is fp32: the error is the fp16 rounding of the
    // output (unit roundoff 2^-11), ~2e-4. Below bf16's limit because fp16 keeps three more mantissa bits.
    {"fp16", 5e-3},
    // bf16 output rounding (unit roundoff 2^-8) alone gives ~1.7e-3; 1e-2 is six times that.
    {"bf16", 1e-2},
    // fp8 (e4m3) inputs are quantised before the reference reads them, so their coarse rounding is not
    // counted; what remains is the bf16 output (~1.7e-3) and the tensor cores' reduced-precision fp8
    // accumulation between promotions to fp32, which grows with K. 2e-2 bounds both.
    {"fp8", 2e-2},
}};

}  // namespace

double relative_error_limit(std::string_view precision) {
  for (const auto& [name, limit] : kLimits)
    if (name == precision) return limit;
  throw std::invalid_argument("no error limit for precision '" + std::string(precision) +
                              "' (expected fp64, fp32, tf32, fp16, bf16 or fp8)");
}

}  // namespace gpucert

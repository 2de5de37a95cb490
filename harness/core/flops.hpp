// Floating-point operations per run for the compute workloads: one multiply and one add per
// multiply-accumulate, the convention of cuBLAS, cuDNN and PyTorch's benchmarks, so that TFLOP/s figures
// compare directly with theirs. Pure functions, unit-tested; kernels/ only reports time.
#pragma once

#include <cstdint>

namespace gpucert {

// D = A·B with A M×K and B K×N: M·N dot products of length K.
std::uint64_t gemm_flops(std::uint64_t m, std::uint64_t n, std::uint64_t k);

// One spatial output size of a convolution (cuDNN's formula):
//   out = (in + 2·pad − dilation·(filter − 1) − 1) / stride + 1
// Throws std::invalid_argument when stride or dilation is 0, or the dilated filter does not fit the padded input.
std::uint64_t conv_output_size(std::uint64_t input, std::uint64_t filter, std::uint64_t pad, std::uint64_t stride,
                               std::uint64_t dilation);

// Forward convolution of an N×C×H×W input with K filters of C×R×S (same pad, stride and dilation in both
// dimensions): every one of the N·K·P·Q outputs is a dot product of length C·R·S, so 2·N·K·P·Q·C·R·S,
// with P and Q the output height and width. Zero-padding taps are counted, as cuDNN and PyTorch count them.
// Throws std::invalid_argument as conv_output_size does, std::overflow_error past 2^64.
std::uint64_t conv_forward_flops(std::uint64_t n, std::uint64_t c, std::uint64_t h, std::uint64_t w, std::uint64_t k,
                                 std::uint64_t r, std::uint64_t s, std::uint64_t pad, std::uint64_t stride,
                                 std::uint64_t dilation);

}  // namespace gpucert

// One forward convolution as the conv plugin runs it: PyTorch's conv2d (cross-correlation, no bias) on
// channels-last tensors. Plain C++ with no JSON and no cuDNN, so that the frontend's translation unit and
// the CUDA ones can share it.
//
// Layouts (all channels-last, as PyTorch's torch.channels_last):
//   x: N x C x H x W stored NHWC   element (n, c, h, w) at ((n*H + h)*W + w)*C + c
//   w: K x C x R x S stored KRSC   element (k, c, r, s) at ((k*R + r)*S + s)*C + c
//   y: N x K x P x Q stored NPQK   element (n, k, p, q) at ((n*P + p)*Q + q)*K + k
#pragma once

#include <cstddef>
#include <cstdint>

namespace gpucert::kernels::conv {

// fp32: fp32 data, fp32 math, tensor-core (TF32) engines excluded. tf32: fp32 data on tensor-core engines
// only. fp16, bf16: 16-bit data, fp32 accumulation (what PyTorch does).
enum class ConvPrecision { Fp32, Tf32, Fp16, Bf16 };

struct ConvProblem {
  ConvPrecision precision = ConvPrecision::Fp32;
  std::int64_t n = 1, c = 1, h = 1, w = 1;  // input
  std::int64_t k = 1, r = 1, s = 1;         // filters: K of C x R x S
  std::int64_t pad = 0, stride = 1, dilation = 1;  // the same for both spatial dimensions

  // PyTorch's and cuDNN's output size; <= 0 when the dilated filter does not fit the padded input.
  [[nodiscard]] static std::int64_t output_size(std::int64_t in, std::int64_t filter, std::int64_t pad,
                                                std::int64_t stride, std::int64_t dilation) {
    return (in + 2 * pad - dilation * (filter - 1) - 1) / stride + 1;
  }
  [[nodiscard]] std::int64_t p() const { return output_size(h, r, pad, stride, dilation); }
  [[nodiscard]] std::int64_t q() const { return output_size(w, s, pad, stride, dilation); }

  [[nodiscard]] std::uint64_t x_elements() const { return static_cast<std::uint64_t>(n * c * h * w); }
  [[nodiscard]] std::uint64_t w_elements() const { return static_cast<std::uint64_t>(k * c * r * s); }
  [[nodiscard]] std::uint64_t y_elements() const { return static_cast<std::uint64_t>(n * k * p() * q()); }
  // Bytes of one element of x, w and y (fp32 and tf32 keep fp32 data).
  [[nodiscard]] std::size_t element_bytes() const {
    return precision == ConvPrecision::Fp16 || precision == ConvPrecision::Bf16 ? 2 : 4;
  }
};

inline const char* name_of(ConvPrecision precision) {
  switch (precision) {
    case ConvPrecision::Fp32: return "fp32";
    case ConvPrecision::Tf32: return "tf32";
    case ConvPrecision::Fp16: return "fp16";
    case ConvPrecision::Bf16: return "bf16";
  }
  return "?";
}

}  // namespace gpucert::kernels::conv

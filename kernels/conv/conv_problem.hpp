// One convolution as the conv plugin runs it: PyTorch's conv2d (cross-correlation, no bias) on channels-last
// tensors, in one of three directions. Plain C++ with no JSON and no cuDNN, so that the frontend's translation
// unit, the CUDA ones and the unit tests can share it.
//
// Layouts (all channels-last, as PyTorch's torch.channels_last):
//   x: N x C x H x W stored NHWC   element (n, c, h, w) at ((n*H + h)*W + w)*C + c
//   w: K x C x R x S stored KRSC   element (k, c, r, s) at ((k*R + r)*S + s)*C + c
//   y: N x K x P x Q stored NPQK   element (n, k, p, q) at ((n*P + p)*Q + q)*K + k
//
// Directions, named as suites name them (PyTorch's convolution_backward returns grad_input and grad_weight):
//   forward          y  = conv(x, w)                  reads x and w, writes y
//   backward_data    dx = the adjoint of conv in x    reads dy and w, writes dx (grad_input)
//   backward_filter  dw = the adjoint of conv in w    reads x and dy, writes dw (grad_weight)
// dx has x's shape and layout, dw w's, dy y's: each direction reads two of the three tensors and writes the
// third, which is why the plugin keeps one buffer per role (x, w, y) and lets the direction decide which one
// is the output.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gpucert::kernels::conv {

// fp32: fp32 data, fp32 math, tensor-core (TF32) engines excluded. tf32: fp32 data on tensor-core engines
// only. fp16, bf16: 16-bit data, fp32 accumulation (what PyTorch does).
enum class ConvPrecision { Fp32, Tf32, Fp16, Bf16 };

enum class ConvDirection { Forward, BackwardData, BackwardFilter };

// The tensor roles of the layouts above; a direction writes one of them.
enum class ConvRole { X, W, Y };

struct ConvProblem {
  ConvPrecision precision = ConvPrecision::Fp32;
  ConvDirection direction = ConvDirection::Forward;
  std::int64_t n = 1, c = 1, h = 1, w = 1;         // input
  std::int64_t k = 1, r = 1, s = 1;                // filters: K of C x R x S
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
  [[nodiscard]] std::uint64_t elements(ConvRole role) const {
    return role == ConvRole::X ? x_elements() : role == ConvRole::W ? w_elements() : y_elements();
  }

  // The tensor the direction writes: y (forward), dx in x's place (backward_data), dw in w's (backward_filter).
  [[nodiscard]] ConvRole output_role() const {
    return direction == ConvDirection::BackwardData     ? ConvRole::X
           : direction == ConvDirection::BackwardFilter ? ConvRole::W
                                                        : ConvRole::Y;
  }
  [[nodiscard]] std::uint64_t output_elements() const { return elements(output_role()); }
  // The products summed into one output element, zero-padding taps and, in backward_data, the taps a stride
  // skips included: C·R·S (forward), K·R·S (backward_data), N·P·Q (backward_filter). The reference's cost
  // per checked output.
  [[nodiscard]] std::uint64_t terms_per_output() const {
    switch (direction) {
      case ConvDirection::BackwardData:
        return static_cast<std::uint64_t>(k * r * s);
      case ConvDirection::BackwardFilter:
        return static_cast<std::uint64_t>(n * p() * q());
      case ConvDirection::Forward:
        break;
    }
    return static_cast<std::uint64_t>(c * r * s);
  }
  // Bytes of one element of x, w and y (fp32 and tf32 keep fp32 data).
  [[nodiscard]] std::size_t element_bytes() const {
    return precision == ConvPrecision::Fp16 || precision == ConvPrecision::Bf16 ? 2 : 4;
  }
};

inline const char* name_of(ConvDirection direction) {
  switch (direction) {
    case ConvDirection::Forward:
      return "forward";
    case ConvDirection::BackwardData:
      return "backward_data";
    case ConvDirection::BackwardFilter:
      return "backward_filter";
  }
  return "?";
}

inline const char* name_of(ConvPrecision precision) {
  switch (precision) {
    case ConvPrecision::Fp32:
      return "fp32";
    case ConvPrecision::Tf32:
      return "tf32";
    case ConvPrecision::Fp16:
      return "fp16";
    case ConvPrecision::Bf16:
      return "bf16";
  }
  return "?";
}

}  // namespace gpucert::kernels::conv

#include "flops.hpp"

#include <initializer_list>
#include <stdexcept>
#include <string>

namespace gpucert {
namespace {

std::uint64_t checked_product(std::initializer_list<std::uint64_t> factors) {
  std::uint64_t product = 1;
  for (auto f : factors)
    if (__builtin_mul_overflow(product, f, &product)) throw std::overflow_error("flop count exceeds 2^64");
  return product;
}

}  // namespace

std::uint64_t gemm_flops(std::uint64_t m, std::uint64_t n, std::uint64_t k) { return checked_product({2, m, n, k}); }

std::uint64_t conv_output_size(std::uint64_t input, std::uint64_t filter, std::uint64_t pad, std::uint64_t stride,
                               std::uint64_t dilation) {
  if (stride == 0 || dilation == 0) throw std::invalid_argument("convolution stride and dilation must be positive");
  if (filter == 0) throw std::invalid_argument("convolution filter size must be positive");
  const std::uint64_t padded = input + 2 * pad;
  const std::uint64_t span = dilation * (filter - 1) + 1;
  if (span > padded)
    throw std::invalid_argument("convolution filter spans " + std::to_string(span) + " but the padded input is " +
                                std::to_string(padded));
  return (padded - span) / stride + 1;
}

std::uint64_t conv_forward_flops(std::uint64_t n, std::uint64_t c, std::uint64_t h, std::uint64_t w, std::uint64_t k,
                                 std::uint64_t r, std::uint64_t s, std::uint64_t pad, std::uint64_t stride,
                                 std::uint64_t dilation) {
  const auto p = conv_output_size(h, r, pad, stride, dilation);
  const auto q = conv_output_size(w, s, pad, stride, dilation);
  return checked_product({2, n, k, p, q, c, r, s});
}

}  // namespace gpucert

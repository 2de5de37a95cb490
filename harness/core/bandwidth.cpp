#include "bandwidth.hpp"

#include <array>
#include <stdexcept>
#include <utility>

namespace gpucert {
namespace {
constexpr std::array<std::pair<StreamKernel, std::string_view>, 6> kNames{{
    {StreamKernel::Copy, "copy"},
    {StreamKernel::Mul, "mul"},
    {StreamKernel::Add, "add"},
    {StreamKernel::Triad, "triad"},
    {StreamKernel::Dot, "dot"},
    {StreamKernel::Nstream, "nstream"},
}};
}  // namespace

std::optional<StreamKernel> parse_stream_kernel(std::string_view name) {
  for (const auto& [kernel, text] : kNames)
    if (text == name) return kernel;
  return std::nullopt;
}

std::string_view name_of(StreamKernel kernel) {
  for (const auto& [k, text] : kNames)
    if (k == kernel) return text;
  return "unknown";
}

std::uint64_t stream_bytes(StreamKernel kernel, std::uint64_t elements, std::uint64_t element_bytes) {
  std::uint64_t arrays = 0;
  switch (kernel) {
    case StreamKernel::Copy:
    case StreamKernel::Mul:
    case StreamKernel::Dot:
      arrays = 2;
      break;
    case StreamKernel::Add:
    case StreamKernel::Triad:
      arrays = 3;
      break;
    case StreamKernel::Nstream:
      arrays = 4;
      break;
  }
  return arrays * elements * element_bytes;
}

double gigabytes_per_second(std::uint64_t bytes, double seconds) {
  if (!(seconds > 0.0)) throw std::invalid_argument("bandwidth over a non-positive time");
  return static_cast<double>(bytes) / seconds / 1e9;
}

}  // namespace gpucert

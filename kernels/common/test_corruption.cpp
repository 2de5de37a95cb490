#include "test_corruption.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "cuda_check.hpp"

namespace gpucert::kernels {

bool corrupt_output_for_test(std::string_view workload, void* output, std::size_t bytes, cudaStream_t stream,
                             CorruptSpan span, int rank) {
  const std::string fault = [] {
    const char* text = std::getenv("GPUCERT_TEST_CORRUPT");
    return std::string(text ? text : "");
  }();
  if (fault.empty() || bytes == 0 || !output) return false;
  const auto at = fault.find('@');
  if (std::string_view(fault).substr(0, at) != workload) return false;
  if (at != std::string::npos && fault.substr(at + 1) != std::to_string(rank)) return false;
  // 0x40 repeated is finite and wrong in every element type: 3.0f, 32.5 in fp64, 2.125 in fp16, 3.0 in bf16, 2.0 in
  // fp8 e4m3, and no seeded 64-bit word.
  const std::size_t offset = span == CorruptSpan::Element ? bytes / 2 / 8 * 8 : bytes / 3 / 8 * 8;
  const std::size_t length = span == CorruptSpan::Element ? 8 : std::max<std::size_t>(bytes / 64 / 8 * 8, 8);
  GPUCERT_CUDA_TRY(
      cudaMemsetAsync(static_cast<char*>(output) + offset, 0x40, std::min(length, bytes - offset), stream));
  return true;
}

}  // namespace gpucert::kernels

#include "seeded_words.hpp"

#include <string>

#include "cuda_check.hpp"
#include "plugin_glue.hpp"
#include "random.cuh"
#include "test_corruption.hpp"

namespace gpucert::kernels {
namespace {

constexpr int kThreads = 256;
constexpr int kBlocks = 1024;

__global__ void fill_words_kernel(std::uint64_t* out, std::size_t words, std::uint64_t seed) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < words;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    out[i] = splitmix64(seed ^ splitmix64(i));
}

__global__ void count_wrong_words_kernel(const std::uint64_t* got, std::size_t words, std::uint64_t seed,
                                         unsigned long long* wrong) {
  unsigned long long bad = 0;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < words;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    bad += got[i] != splitmix64(seed ^ splitmix64(i)) ? 1 : 0;
  if (bad) atomicAdd(wrong, bad);
}

}  // namespace

void fill_seeded_words(std::uint64_t* out, std::size_t words, std::uint64_t seed, cudaStream_t stream) {
  fill_words_kernel<<<kBlocks, kThreads, 0, stream>>>(out, words, seed);
  GPUCERT_CUDA_CHECK_LAUNCH();
}

void count_wrong_seeded_words(const std::uint64_t* got, std::size_t words, std::uint64_t seed,
                              unsigned long long* wrong, cudaStream_t stream) {
  count_wrong_words_kernel<<<kBlocks, kThreads, 0, stream>>>(got, words, seed, wrong);
  GPUCERT_CUDA_CHECK_LAUNCH();
}

std::uint64_t count_wrong_seeded_words_on_host(const std::uint64_t* got, std::size_t words, std::uint64_t seed) {
  std::uint64_t bad = 0;
  for (std::size_t i = 0; i < words; ++i) bad += got[i] != splitmix64(seed ^ splitmix64(i)) ? 1 : 0;
  return bad;
}

std::uint64_t wrong_seeded_words(const std::uint64_t* got, std::size_t words, std::uint64_t seed,
                                 unsigned long long* scratch, cudaStream_t stream) {
  GPUCERT_CUDA_TRY(cudaMemsetAsync(scratch, 0, sizeof *scratch, stream));
  count_wrong_seeded_words(got, words, seed, scratch, stream);
  unsigned long long count = 0;
  GPUCERT_CUDA_TRY(cudaMemcpyAsync(&count, scratch, sizeof count, cudaMemcpyDeviceToHost, stream));
  GPUCERT_CUDA_TRY(cudaStreamSynchronize(stream));
  return count;
}

std::uint64_t wrong_words_after_host_copy(std::string_view workload, bool h2d, std::uint64_t* device,
                                          std::uint64_t* host, std::size_t words, std::uint64_t seed,
                                          unsigned long long* scratch, cudaStream_t stream) {
  const std::size_t bytes = words * sizeof(std::uint64_t);
  if (h2d) {
    corrupt_output_for_test(workload, device, bytes, stream);
    return wrong_seeded_words(device, words, seed, scratch, stream);
  }
  if (corrupt_output_for_test(workload, device, bytes, stream))
    GPUCERT_CUDA_TRY(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, stream));
  GPUCERT_CUDA_TRY(cudaStreamSynchronize(stream));
  return count_wrong_seeded_words_on_host(host, words, seed);
}

Verification word_check() {
  Verification v;
  v.tolerance = 0;
  v.method = "every 64-bit word of every run compared exactly with its seeded value";
  return v;
}

void conclude_word_check(RunReply& reply, Verification verification) {
  verification.max_rel_error = verification.mismatches ? 1.0 : 0.0;
  const auto checked = verification.checked, wrong = verification.mismatches;
  conclude_verification(reply, std::move(verification), [&] {
    return std::to_string(wrong) + " of " + std::to_string(checked) + " words arrived wrong";
  });
}

}  // namespace gpucert::kernels

// Pinned host <-> device copies. The buffer holds 64-bit words splitmix64(seed, i); the destination is
// poisoned before every run and every word is compared exactly after it (on the device for h2d, on the
// host for d2h), so a copy that moved the wrong bytes, or fewer, fails.
#include "host_copy.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/cuda_check.hpp"
#include "common/device_resources.hpp"
#include "common/event_timer.hpp"
#include "common/plugin_glue.hpp"
#include "common/random.cuh"
#include "common/sampler.hpp"

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

std::uint64_t count_wrong_words_on_host(const std::uint64_t* got, std::size_t words, std::uint64_t seed) {
  std::uint64_t bad = 0;
  for (std::size_t i = 0; i < words; ++i) bad += got[i] != splitmix64(seed ^ splitmix64(i)) ? 1 : 0;
  return bad;
}

struct PinnedBuffer {
  std::uint64_t* ptr = nullptr;
  explicit PinnedBuffer(std::size_t bytes) { GPUCERT_CUDA_TRY(cudaMallocHost(&ptr, bytes)); }
  ~PinnedBuffer() { cudaFreeHost(ptr); }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
};

}  // namespace

RunReply run_host_copy(const RunRequest& request) {
  const auto direction = request.params.value("direction", std::string{});
  const auto requested = request.params.value("bytes", std::uint64_t{0});
  if (direction != "h2d" && direction != "d2h")
    return error_reply("host_copy: params.direction must be h2d or d2h, not '" + direction + "'");
  if (requested < 8) return error_reply("host_copy: params.bytes must be at least 8");
  const std::size_t words = requested / 8;
  const std::size_t bytes = words * 8;  // whole words: the verification compares 64-bit words

  GPUCERT_CUDA_TRY(cudaSetDevice(request.device));
  OwnedStream stream;
  const cudaStream_t s = stream.get();

  PinnedBuffer host(bytes);
  DeviceArray<std::uint64_t> device(words);
  DeviceArray<unsigned long long> wrong_count(1);
  unsigned long long* wrong = wrong_count.get();

  const std::uint64_t seed = splitmix64(request.seed ^ 0xC0FFEE);
  fill_words_kernel<<<kBlocks, kThreads, 0, s>>>(device.get(), words, seed);
  GPUCERT_CUDA_CHECK_LAUNCH();
  if (direction == "h2d")  // the source lives on the host: bring the seeded words there once, untimed
    GPUCERT_CUDA_TRY(cudaMemcpyAsync(host.ptr, device.get(), bytes, cudaMemcpyDeviceToHost, s));
  GPUCERT_CUDA_TRY(cudaStreamSynchronize(s));

  Verification verification;
  verification.tolerance = 0;
  verification.method = "every 64-bit word of every run compared exactly with its seeded value";
  EventTimer timer;
  RunReply reply;
  reply.samples_s = sample_device_time(request.id, request.warmup, request.repetitions, [&] {
    std::uint64_t bad = 0;
    double seconds = 0;
    if (direction == "h2d") {
      poison(device.get(), bytes, s);
      seconds = timer.seconds(s, [&](cudaStream_t st) {
        GPUCERT_CUDA_TRY(cudaMemcpyAsync(device.get(), host.ptr, bytes, cudaMemcpyHostToDevice, st));
      });
      GPUCERT_CUDA_TRY(cudaMemsetAsync(wrong, 0, sizeof *wrong, s));
      count_wrong_words_kernel<<<kBlocks, kThreads, 0, s>>>(device.get(), words, seed, wrong);
      GPUCERT_CUDA_CHECK_LAUNCH();
      unsigned long long count = 0;
      GPUCERT_CUDA_TRY(cudaMemcpyAsync(&count, wrong, sizeof count, cudaMemcpyDeviceToHost, s));
      GPUCERT_CUDA_TRY(cudaStreamSynchronize(s));
      bad = count;
    } else {
      std::memset(host.ptr, 0xFF, bytes);
      seconds = timer.seconds(s, [&](cudaStream_t st) {
        GPUCERT_CUDA_TRY(cudaMemcpyAsync(host.ptr, device.get(), bytes, cudaMemcpyDeviceToHost, st));
      });
      bad = count_wrong_words_on_host(host.ptr, words, seed);
    }
    verification.checked += words;
    verification.mismatches += bad;
    return seconds;
  });
  verification.passed = verification.mismatches == 0;
  verification.max_rel_error = verification.passed ? 0.0 : 1.0;
  reply.verification = verification;
  reply.status = verification.passed ? RunStatus::Ok : RunStatus::Failed;
  if (!verification.passed)
    reply.message = std::to_string(verification.mismatches) + " of " + std::to_string(verification.checked) +
                    " words arrived wrong";
  reply.details = {{"bytes", bytes}, {"pinned", true}};
  return reply;
}

}  // namespace gpucert::kernels

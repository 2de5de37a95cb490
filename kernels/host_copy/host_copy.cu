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
#include "common/seeded_words.hpp"

namespace gpucert::kernels {

RunReply run_host_copy(const RunRequest& request) {
  const auto direction = request.params.value("direction", std::string{});
  const auto requested = request.params.value("bytes", std::uint64_t{0});
  if (direction != "h2d" && direction != "d2h")
    return error_reply("host_copy: params.direction must be h2d or d2h, not '" + direction + "'");
  if (requested < 8) return error_reply("host_copy: params.bytes must be at least 8");
  const std::size_t words = requested / 8;
  const std::size_t bytes = words * 8;  // whole words: the verification compares 64-bit words
  const bool h2d = direction == "h2d";

  GPUCERT_CUDA_TRY(cudaSetDevice(request.device));
  OwnedStream stream;
  const cudaStream_t s = stream.get();

  PinnedArray<std::uint64_t> host(words);
  DeviceArray<std::uint64_t> device(words);
  DeviceArray<unsigned long long> wrong_count(1);
  unsigned long long* wrong = wrong_count.get();

  const std::uint64_t seed = splitmix64(request.seed ^ 0xC0FFEE);
  fill_seeded_words(device.get(), words, seed, s);
  if (h2d)  // the source lives on the host: bring the seeded words there once, untimed
    GPUCERT_CUDA_TRY(cudaMemcpyAsync(host.get(), device.get(), bytes, cudaMemcpyDeviceToHost, s));
  GPUCERT_CUDA_TRY(cudaStreamSynchronize(s));

  auto verification = word_check();
  EventTimer timer;
  RunReply reply;
  reply.samples_s = sample_device_time(request.id, request.warmup, request.repetitions, [&] {
    double seconds = 0;
    if (h2d) {
      poison(device.get(), bytes, s);
      seconds = timer.seconds(s, [&](cudaStream_t st) {
        GPUCERT_CUDA_TRY(cudaMemcpyAsync(device.get(), host.get(), bytes, cudaMemcpyHostToDevice, st));
      });
    } else {
      std::memset(host.get(), 0xFF, bytes);
      seconds = timer.seconds(s, [&](cudaStream_t st) {
        GPUCERT_CUDA_TRY(cudaMemcpyAsync(host.get(), device.get(), bytes, cudaMemcpyDeviceToHost, st));
      });
    }
    verification.checked += words;
    verification.mismatches +=
        wrong_words_after_host_copy("host_copy", h2d, device.get(), host.get(), words, seed, wrong, s);
    return seconds;
  });
  conclude_word_check(reply, verification);
  reply.details = {{"bytes", bytes}, {"pinned", true}};
  return reply;
}

}  // namespace gpucert::kernels

// Copies between pinned host memory and every GPU of the host, each GPU alone and then all at once. Every run's
// destination is poisoned before it and every word is checked after it (on the GPU for h2d, on the host for d2h).
#include "host_copy_all.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/cuda_check.hpp"
#include "common/device_resources.hpp"
#include "common/host_scope.hpp"
#include "common/link_limit.hpp"
#include "common/plugin_glue.hpp"
#include "common/random.cuh"
#include "common/sampler.hpp"
#include "common/seeded_words.hpp"

namespace gpucert::kernels {
namespace {

// One GPU's copy: its device buffer, its own pinned host buffer, its stream and events.
struct GpuCopy {
  int device;  // first: the members below are made on it
  std::uint64_t seed;
  DeviceArray<std::uint64_t> on_device;
  DeviceArray<unsigned long long> wrong;
  PinnedArray<std::uint64_t> on_host;
  OwnedStream stream;
  OwnedEvent start{true}, stop{true}, joined;
  std::string bus_id;

  GpuCopy(int d, std::size_t words, std::uint64_t run_seed, bool h2d)
      : device(select_device(d)),
        seed(splitmix64(run_seed ^ (0xC0FFEEull * (d + 1)))),
        on_device(words),
        wrong(1),
        on_host(words) {
    bus_id = pci_bus_id(d);
    fill_seeded_words(on_device.get(), words, seed, stream.get());
    if (h2d)  // the source lives on the host: bring the seeded words there once, untimed
      GPUCERT_CUDA_TRY(
          cudaMemcpyAsync(on_host.get(), on_device.get(), words * 8, cudaMemcpyDeviceToHost, stream.get()));
    GPUCERT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
  }

  void poison_destination(bool h2d, std::size_t bytes) {
    select_device(device);
    if (h2d) {
      poison(on_device.get(), bytes, stream.get());
      GPUCERT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
    } else {
      std::memset(on_host.get(), 0xFF, bytes);
    }
  }
  void enqueue(bool h2d, std::size_t bytes) {
    select_device(device);
    GPUCERT_CUDA_TRY(
        h2d ? cudaMemcpyAsync(on_device.get(), on_host.get(), bytes, cudaMemcpyHostToDevice, stream.get())
            : cudaMemcpyAsync(on_host.get(), on_device.get(), bytes, cudaMemcpyDeviceToHost, stream.get()));
  }
  std::uint64_t wrong_words(bool h2d, std::size_t words) {
    select_device(device);
    return wrong_words_after_host_copy("host_copy_all", h2d, on_device.get(), on_host.get(), words, seed, wrong.get(),
                                       stream.get());
  }
};

// One timed run over `copies`: all start at the first one's start event, and its stop waits for every other.
double timed_together(std::vector<GpuCopy*>& copies, bool h2d, std::size_t bytes) {
  auto& lead = *copies.front();
  select_device(lead.device);
  GPUCERT_CUDA_TRY(cudaEventRecord(lead.start.get(), lead.stream.get()));
  for (auto* c : copies)
    if (c != &lead) GPUCERT_CUDA_TRY(cudaStreamWaitEvent(c->stream.get(), lead.start.get(), 0));
  for (auto* c : copies) c->enqueue(h2d, bytes);
  for (auto* c : copies)
    if (c != &lead) {
      select_device(c->device);
      GPUCERT_CUDA_TRY(cudaEventRecord(c->joined.get(), c->stream.get()));
      select_device(lead.device);
      GPUCERT_CUDA_TRY(cudaStreamWaitEvent(lead.stream.get(), c->joined.get(), 0));
    }
  select_device(lead.device);
  GPUCERT_CUDA_TRY(cudaEventRecord(lead.stop.get(), lead.stream.get()));
  GPUCERT_CUDA_TRY(cudaEventSynchronize(lead.stop.get()));
  float ms = 0;
  GPUCERT_CUDA_TRY(cudaEventElapsedTime(&ms, lead.start.get(), lead.stop.get()));
  return static_cast<double>(ms) * 1e-3;
}

}  // namespace

RunReply run_host_copy_all(const RunRequest& request) {
  const auto direction = request.params.value("direction", std::string{});
  const auto requested = request.params.value("bytes", std::uint64_t{0});
  if (direction != "h2d" && direction != "d2h")
    return error_reply("host_copy_all: params.direction must be h2d or d2h, not '" + direction + "'");
  if (requested < 8) return error_reply("host_copy_all: params.bytes must be at least 8");
  if (auto waived = waive_unless_host_leader(request, 1)) return *waived;
  const bool h2d = direction == "h2d";
  const std::size_t words = requested / 8;
  const std::size_t bytes = words * 8;

  const int gpus = visible_gpu_count();
  std::vector<GpuCopy> copies;
  copies.reserve(static_cast<std::size_t>(gpus));
  for (int d = 0; d < gpus; ++d) copies.emplace_back(d, words, request.seed, h2d);

  auto verification = word_check();
  auto measure = [&](std::vector<GpuCopy*> group, const std::string& name) {
    return sample_device_time(request.id + " " + name, request.warmup, request.repetitions, [&] {
      for (auto* c : group) c->poison_destination(h2d, bytes);
      const double seconds = timed_together(group, h2d, bytes);
      for (auto* c : group) {
        verification.checked += words;
        verification.mismatches += c->wrong_words(h2d, words);
      }
      return seconds;
    });
  };

  nlohmann::json alone = nlohmann::json::array();
  double sum_alone = 0, limit = 0;
  std::string link_evidence;
  for (auto& c : copies) {
    const auto alone_s = measure({&c}, "GPU " + std::to_string(c.device));
    const double gbps = static_cast<double>(bytes) / median_seconds(alone_s) * 1e-9;
    const auto link = host_link_limit(c.bus_id);
    sum_alone += gbps;
    if (link.gbps > 0 && (limit == 0 || link.gbps < limit)) {
      limit = link.gbps;
      link_evidence = "GPU " + std::to_string(c.device) + ": " + link.evidence;
    }
    alone.push_back(
        {{"gpu", c.device}, {"median_gbps", gbps}, {"limit_gbps", link.gbps}, {"link_evidence", link.evidence}});
  }
  std::vector<GpuCopy*> all;
  for (auto& c : copies) all.push_back(&c);
  RunReply reply;
  reply.samples_s = measure(all, "all GPUs");
  const double together_s = median_seconds(reply.samples_s);
  const double aggregate = together_s > 0 ? static_cast<double>(bytes) * gpus / together_s * 1e-9 : 0;
  conclude_word_check(reply, std::move(verification));
  reply.details = {{"gpus", gpus},
                   {"bytes", bytes},
                   {"pinned", true},
                   {"figure", "each GPU's share while all copy at once"},
                   {"aggregate_gbps", aggregate},
                   {"sum_alone_gbps", sum_alone},
                   {"host_share", sum_alone > 0 ? aggregate / sum_alone : 0.0},
                   {"limit_gbps", limit},
                   {"link", "pcie"},
                   {"link_evidence", link_evidence},
                   {"alone", std::move(alone)}};
  return reply;
}

}  // namespace gpucert::kernels

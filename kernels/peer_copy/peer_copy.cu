// Copies between every ordered pair of the host's GPUs, one pair at a time, so each pair's figure is its link's
// alone. The source holds seeded 64-bit words (a different seed per GPU), the target is poisoned before every run
// and every word is checked on the target GPU after it: a copy that moved the wrong bytes, or fewer, fails.
#include "peer_copy.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/cuda_check.hpp"
#include "common/device_resources.hpp"
#include "common/host_scope.hpp"
#include "common/plugin_glue.hpp"
#include "common/random.cuh"
#include "common/sampler.hpp"
#include "common/seeded_words.hpp"
#include "common/test_corruption.hpp"
#include "common/link_limit.hpp"

namespace gpucert::kernels {
namespace {

constexpr int kCopyThreads = 512;
constexpr int kCopyBlocksPerSm = 4;

// 16-byte loads and stores, grid-stride: the SM copy nvbandwidth's "sm" tests time, writing into the peer.
__global__ void copy_kernel(const uint4* __restrict__ in, uint4* __restrict__ out, std::size_t n) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    out[i] = in[i];
}

// One GPU's side of the copies: its seeded source, the buffer its peers write into, its stream and events.
struct GpuSide {
  int device;  // first: the members below are made on it
  std::uint64_t seed;
  DeviceArray<std::uint64_t> source, target;
  DeviceArray<unsigned long long> wrong;
  OwnedStream stream;
  OwnedEvent start{true}, stop{true}, joined;
  int copy_blocks = 0;
  std::string bus_id;

  GpuSide(int d, std::size_t words, std::uint64_t run_seed)
      : device(select_device(d)),
        seed(splitmix64(run_seed ^ (0x9E3779B97F4A7C15ull * (d + 1)))),
        source(words),
        target(words),
        wrong(1) {
    int sms = 0;
    GPUCERT_CUDA_TRY(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, d));
    copy_blocks = sms * kCopyBlocksPerSm;
    bus_id = pci_bus_id(d);
    fill_seeded_words(source.get(), words, seed, stream.get());
    GPUCERT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
  }
};

// Peer access from `from` to `to`, enabled for the measurement and disabled after it when it enabled it, so that
// the worker's later measurements run as they would without this one.
class PeerAccess {
 public:
  PeerAccess(int from, int to) : from_(from), to_(to) {
    int can = 0;
    GPUCERT_CUDA_TRY(cudaDeviceCanAccessPeer(&can, from, to));
    if (!can) return;
    select_device(from);
    const auto status = cudaDeviceEnablePeerAccess(to, 0);
    if (status == cudaErrorPeerAccessAlreadyEnabled) {
      (void)cudaGetLastError();
      available_ = true;
      return;
    }
    GPUCERT_CUDA_TRY(status);
    available_ = enabled_here_ = true;
  }
  ~PeerAccess() {
    if (!enabled_here_) return;
    cudaSetDevice(from_);
    cudaDeviceDisablePeerAccess(to_);
  }
  PeerAccess(const PeerAccess&) = delete;
  PeerAccess& operator=(const PeerAccess&) = delete;
  PeerAccess(PeerAccess&& other) noexcept
      : from_(other.from_), to_(other.to_), available_(other.available_), enabled_here_(other.enabled_here_) {
    other.enabled_here_ = false;
  }
  PeerAccess& operator=(PeerAccess&&) = delete;
  [[nodiscard]] bool available() const { return available_; }

 private:
  int from_, to_;
  bool available_ = false, enabled_here_ = false;
};

void enqueue_copy(bool sm, GpuSide& from, GpuSide& to, std::size_t bytes) {
  select_device(from.device);
  if (sm) {
    copy_kernel<<<from.copy_blocks, kCopyThreads, 0, from.stream.get()>>>(
        reinterpret_cast<const uint4*>(from.source.get()), reinterpret_cast<uint4*>(to.target.get()), bytes / 16);
    GPUCERT_CUDA_CHECK_LAUNCH();
  } else {
    GPUCERT_CUDA_TRY(
        cudaMemcpyPeerAsync(to.target.get(), to.device, from.source.get(), from.device, bytes, from.stream.get()));
  }
}

// Words that arrived wrong at `to` from `from`, checked on `to`.
std::uint64_t wrong_words_at(GpuSide& to, const GpuSide& from, std::size_t words) {
  select_device(to.device);
  corrupt_output_for_test("peer_copy", to.target.get(), words * sizeof(std::uint64_t), to.stream.get());
  return wrong_seeded_words(to.target.get(), words, from.seed, to.wrong.get(), to.stream.get());
}

void poison_target(GpuSide& side, std::size_t bytes) {
  select_device(side.device);
  poison(side.target.get(), bytes, side.stream.get());
  GPUCERT_CUDA_TRY(cudaStreamSynchronize(side.stream.get()));
}

// One timed run: a to b, and b to a at the same time when bidirectional. Both start at a's start event and a's
// stop event waits for b's copy, so the time spans both directions.
double timed_copy(bool sm, bool bidirectional, GpuSide& a, GpuSide& b, std::size_t bytes) {
  select_device(a.device);
  GPUCERT_CUDA_TRY(cudaEventRecord(a.start.get(), a.stream.get()));
  if (bidirectional) GPUCERT_CUDA_TRY(cudaStreamWaitEvent(b.stream.get(), a.start.get(), 0));
  enqueue_copy(sm, a, b, bytes);
  if (bidirectional) {
    enqueue_copy(sm, b, a, bytes);
    GPUCERT_CUDA_TRY(cudaEventRecord(b.joined.get(), b.stream.get()));
    select_device(a.device);
    GPUCERT_CUDA_TRY(cudaStreamWaitEvent(a.stream.get(), b.joined.get(), 0));
  }
  GPUCERT_CUDA_TRY(cudaEventRecord(a.stop.get(), a.stream.get()));
  GPUCERT_CUDA_TRY(cudaEventSynchronize(a.stop.get()));
  float ms = 0;
  GPUCERT_CUDA_TRY(cudaEventElapsedTime(&ms, a.start.get(), a.stop.get()));
  return static_cast<double>(ms) * 1e-3;
}

}  // namespace

RunReply run_peer_copy(const RunRequest& request) {
  const auto engine = request.params.value("engine", std::string{});
  const auto direction = request.params.value("direction", std::string{});
  const auto requested = request.params.value("bytes", std::uint64_t{0});
  if (engine != "ce" && engine != "sm")
    return error_reply("peer_copy: params.engine must be ce or sm, not '" + engine + "'");
  if (direction != "uni" && direction != "bi")
    return error_reply("peer_copy: params.direction must be uni or bi, not '" + direction + "'");
  if (requested < 16) return error_reply("peer_copy: params.bytes must be at least 16");
  if (auto waived = waive_unless_host_leader(request, 2)) return *waived;
  const bool sm = engine == "sm", bidirectional = direction == "bi";
  const std::size_t bytes = requested / 16 * 16;  // whole 16-byte vectors for the SM copy, whole words for the check
  const std::size_t words = bytes / 8;
  const std::uint64_t work = bidirectional ? 2 * bytes : bytes;

  const int gpus = visible_gpu_count();
  std::vector<GpuSide> sides;
  sides.reserve(static_cast<std::size_t>(gpus));
  for (int d = 0; d < gpus; ++d) sides.emplace_back(d, words, request.seed);

  auto verification = word_check();
  RunReply reply;
  nlohmann::json pairs = nlohmann::json::array();
  std::vector<std::string> skipped;
  double slowest_gbps = -1;
  nlohmann::json slowest;
  for (int a = 0; a < gpus; ++a)
    for (int b = 0; b < gpus; ++b) {
      if (a == b || (bidirectional && b < a)) continue;  // bidirectional: each unordered pair once
      const std::string name = std::to_string(a) + (bidirectional ? "<->" : "->") + std::to_string(b);
      PeerAccess forward(a, b);
      std::optional<PeerAccess> backward;
      if (bidirectional) backward.emplace(b, a);
      const bool access = forward.available() && (!backward || backward->available());
      if (sm && !access) {
        skipped.push_back(name + " (no peer access: the SM copy cannot write into the peer)");
        continue;
      }
      auto& from = sides[static_cast<std::size_t>(a)];
      auto& to = sides[static_cast<std::size_t>(b)];
      auto samples = sample_device_time(request.id + " " + name, request.warmup, request.repetitions, [&] {
        poison_target(to, bytes);
        if (bidirectional) poison_target(from, bytes);
        const double seconds = timed_copy(sm, bidirectional, from, to, bytes);
        verification.checked += bidirectional ? 2 * words : words;
        verification.mismatches += wrong_words_at(to, from, words);
        if (bidirectional) verification.mismatches += wrong_words_at(from, to, words);
        return seconds;
      });
      const double median_s = median_seconds(samples);
      const double best_s = samples.empty() ? 0 : *std::min_element(samples.begin(), samples.end());
      auto limit = link_limit(from.bus_id, to.bus_id);
      if (bidirectional) limit.gbps *= 2;  // both directions of a full-duplex link
      nlohmann::json pair = limit.to_json();
      pair["pair"] = name;
      pair["from"] = a;
      pair["to"] = b;
      pair["peer_access"] = access;
      pair["median_gbps"] = median_s > 0 ? static_cast<double>(work) / median_s * 1e-9 : 0.0;
      pair["best_gbps"] = best_s > 0 ? static_cast<double>(work) / best_s * 1e-9 : 0.0;
      const double gbps = pair["median_gbps"].get<double>();
      if (slowest_gbps < 0 || gbps < slowest_gbps) {
        slowest_gbps = gbps;
        slowest = pair;
        reply.samples_s = std::move(samples);
      }
      pairs.push_back(std::move(pair));
    }
  if (pairs.empty()) {
    std::string why;
    for (const auto& s : skipped) why += (why.empty() ? "" : "; ") + s;
    return waived_reply("peer_copy: no pair of GPUs could run the " + engine + " copy: " + why);
  }
  conclude_word_check(reply, std::move(verification));
  reply.details = {{"gpus", gpus},
                   {"bytes", bytes},
                   {"engine", engine},
                   {"direction", direction},
                   {"figure", "the slowest pair's"},
                   {"slowest", slowest["pair"]},
                   {"limit_gbps", slowest["limit_gbps"]},
                   {"link", slowest["link"]},
                   {"link_evidence", slowest["link_evidence"]},
                   {"pairs", std::move(pairs)}};
  if (!skipped.empty()) reply.details["skipped"] = skipped;
  return reply;
}

}  // namespace gpucert::kernels

#include "nccl_bandwidth.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace gpucert {
namespace {

constexpr std::array<std::pair<Collective, std::string_view>, 7> kNames{{
    {Collective::AllReduce, "all_reduce"},
    {Collective::AllGather, "all_gather"},
    {Collective::ReduceScatter, "reduce_scatter"},
    {Collective::Broadcast, "broadcast"},
    {Collective::Reduce, "reduce"},
    {Collective::AllToAll, "alltoall"},
    {Collective::SendRecv, "sendrecv"},
}};

void check_ranks(int nranks) {
  if (nranks < 1) throw std::invalid_argument("a communicator needs at least one rank");
}

// nccl-tests rounds each rank's share down to whole 16-byte chunks: (count / n) & -(16 / t).
std::uint64_t aligned_share(std::uint64_t count, std::uint64_t type_bytes, int nranks) {
  const std::uint64_t share = count / static_cast<std::uint64_t>(nranks);
  const std::uint64_t multiple = type_bytes >= 16 ? 1 : 16 / type_bytes;
  return share - share % multiple;
}

}  // namespace

std::optional<Collective> parse_collective(std::string_view name) {
  for (const auto& [c, text] : kNames)
    if (text == name) return c;
  return std::nullopt;
}

std::string_view name_of(Collective c) {
  for (const auto& [value, text] : kNames)
    if (value == c) return text;
  return "unknown";
}

const std::vector<Collective>& all_collectives() {
  static const std::vector<Collective> all = [] {
    std::vector<Collective> out;
    for (const auto& entry : kNames) out.push_back(entry.first);
    return out;
  }();
  return all;
}

bool is_reducing(Collective c) {
  return c == Collective::AllReduce || c == Collective::ReduceScatter || c == Collective::Reduce;
}

bool has_in_place(Collective c) { return c != Collective::AllToAll && c != Collective::SendRecv; }

CollectiveCounts collective_counts(Collective c, std::uint64_t size_bytes, std::uint64_t type_bytes, int nranks) {
  if (type_bytes == 0) throw std::invalid_argument("element size of 0 bytes");
  check_ranks(nranks);
  const std::uint64_t count = size_bytes / type_bytes;
  const auto n = static_cast<std::uint64_t>(nranks);
  CollectiveCounts out;
  switch (c) {
    case Collective::AllReduce:
    case Collective::Broadcast:
    case Collective::Reduce:
    case Collective::SendRecv:
      out.send = out.recv = out.count = count;
      break;
    case Collective::AllGather: {
      const auto share = aligned_share(count, type_bytes, nranks);
      out.send = share;
      out.recv = share * n;
      out.count = share;
      out.send_in_place_offset = share;
      break;
    }
    case Collective::ReduceScatter: {
      const auto share = aligned_share(count, type_bytes, nranks);
      out.send = share * n;
      out.recv = share;
      out.count = share;
      out.recv_in_place_offset = share;
      break;
    }
    case Collective::AllToAll: {
      const auto share = aligned_share(count, type_bytes, nranks);
      out.send = out.recv = share * n;
      out.count = share;
      break;
    }
  }
  return out;
}

std::uint64_t algbw_bytes(Collective c, std::uint64_t size_bytes, std::uint64_t type_bytes, int nranks) {
  const auto counts = collective_counts(c, size_bytes, type_bytes, nranks);
  return std::max(counts.send, counts.recv) * type_bytes;
}

double busbw_factor(Collective c, int nranks) {
  check_ranks(nranks);
  const double n = nranks;
  switch (c) {
    case Collective::AllReduce:
      return 2.0 * (n - 1.0) / n;
    case Collective::AllGather:
    case Collective::ReduceScatter:
    case Collective::AllToAll:
      return (n - 1.0) / n;
    case Collective::Broadcast:
    case Collective::Reduce:
    case Collective::SendRecv:
      return 1.0;
  }
  return 1.0;
}

double algbw_gbps(std::uint64_t bytes, double seconds) {
  if (!(seconds > 0.0)) throw std::invalid_argument("bandwidth over a non-positive time");
  return static_cast<double>(bytes) / seconds / 1e9;
}

double busbw_gbps(Collective c, std::uint64_t bytes, double seconds, int nranks) {
  return algbw_gbps(bytes, seconds) * busbw_factor(c, nranks);
}

std::vector<std::uint64_t> message_sizes(std::uint64_t begin, std::uint64_t end, std::uint64_t factor,
                                         std::uint64_t step) {
  if (begin == 0) throw std::invalid_argument("a sweep cannot begin at 0 bytes");
  if (end < begin) throw std::invalid_argument("a sweep must end at or above its beginning");
  if (factor <= 1 && step == 0) throw std::invalid_argument("a sweep needs a factor above 1 or a positive step");
  std::vector<std::uint64_t> sizes;
  for (std::uint64_t size = begin; size <= end;) {
    sizes.push_back(size);
    // Stop rather than wrap around 2^64.
    if (factor > 1 ? size > end / factor : step > end - size) break;
    size = factor > 1 ? size * factor : size + step;
  }
  return sizes;
}

std::optional<std::uint64_t> nccl_element_bytes(std::string_view precision) {
  if (precision == "fp64") return 8;
  if (precision == "fp32" || precision == "int32") return 4;
  if (precision == "fp16" || precision == "bf16") return 2;
  return std::nullopt;
}

const std::vector<std::string>& nccl_precisions() {
  static const std::vector<std::string> all{"fp32", "fp16", "bf16", "fp64", "int32"};
  return all;
}

const std::vector<std::string>& nccl_reductions() {
  static const std::vector<std::string> all{"sum", "prod", "max", "min", "avg"};
  return all;
}

RankTime rank_time(std::span<const double> per_rank_seconds) {
  if (per_rank_seconds.empty()) throw std::invalid_argument("no rank reported a time");
  for (double t : per_rank_seconds)
    if (!(t > 0.0) || !std::isfinite(t)) throw std::invalid_argument("a rank's time is not a positive number");
  RankTime out;
  out.mean = std::accumulate(per_rank_seconds.begin(), per_rank_seconds.end(), 0.0) /
             static_cast<double>(per_rank_seconds.size());
  out.max = *std::max_element(per_rank_seconds.begin(), per_rank_seconds.end());
  return out;
}

}  // namespace gpucert

// NCCL collectives as nccl-tests measures them, so that gpucert's figures read exactly like its output
// (https://github.com/NVIDIA/nccl-tests, doc/PERFORMANCE.md and src/*.cu). Pure functions; the nccl plugin
// sizes its buffers with collective_counts, and the records compute their figures with the rest.
//
// Sizes. A sweep size B (nccl-tests' -b/-e) of elements of t bytes gives count = B / t, which each
// collective splits as nccl-tests' getCollByteCount does (n ranks; "align" rounds the per-rank share down
// to a multiple of 16 / t elements, so every rank's chunk starts 16-byte aligned):
//   all_reduce      send = recv = count                         NCCL count argument: count
//   broadcast       send = recv = count                                              count
//   reduce          send = recv = count                                              count
//   sendrecv        send = recv = count                                              count
//   all_gather      send = c, recv = n·c, c = align(count / n)                        c (per rank)
//   reduce_scatter  send = n·c, recv = c, c = align(count / n)                        c (per rank)
//   alltoall        send = recv = n·c, c = align(count / n)                          c (per peer)
//
// Bandwidth. S, the bytes of algbw = S / t, is nccl-tests' "size" column: the larger of the send and the
// receive buffer of one rank, in bytes. For all_gather that is the total output, for reduce_scatter the
// total input, for alltoall everything one rank sends. t is the time of one collective, averaged over the
// timed iterations. busbw = algbw · factor, the correction that makes it comparable with the hardware's
// link bandwidth whatever the number of ranks:
//   all_reduce                          2·(n−1)/n   (each element is reduced and then broadcast)
//   all_gather, reduce_scatter, alltoall  (n−1)/n   (1/n of the data is already where it belongs)
//   broadcast, reduce, sendrecv         1           (everything crosses the root's or the peer's link once)
// Bandwidths are decimal (1 GB/s = 1e9 B/s), as nccl-tests prints them.
//
// Across ranks nccl-tests reports, by default (-a 1), the time averaged over all ranks; -a 3 takes the
// slowest rank. rank_time gives both.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpucert {

enum class Collective { AllReduce, AllGather, ReduceScatter, Broadcast, Reduce, AllToAll, SendRecv };

// "all_reduce", "all_gather", "reduce_scatter", "broadcast", "reduce", "alltoall", "sendrecv".
std::optional<Collective> parse_collective(std::string_view name);
std::string_view name_of(Collective c);
const std::vector<Collective>& all_collectives();
// all_reduce, reduce_scatter and reduce take a reduction operator; the others move data only.
bool is_reducing(Collective c);
// In place means the send buffer lies inside the receive buffer; NCCL's send/recv pairs (alltoall,
// sendrecv) have no such form (nccl-tests prints N/A for them).
bool has_in_place(Collective c);

// Element counts of one rank's buffers, and where the send buffer sits in the receive buffer when the
// collective runs in place (in elements; multiply by the rank for all_gather, as nccl-tests does).
struct CollectiveCounts {
  std::uint64_t send = 0;
  std::uint64_t recv = 0;
  std::uint64_t count = 0;                 // the count argument NCCL receives
  std::uint64_t send_in_place_offset = 0;  // × rank: all_gather's send chunk inside recv
  std::uint64_t recv_in_place_offset = 0;  // × rank: reduce_scatter's recv chunk inside send
};

// Throws std::invalid_argument for a type size of 0 or a rank count below 1.
CollectiveCounts collective_counts(Collective c, std::uint64_t size_bytes, std::uint64_t type_bytes, int nranks);

// S: nccl-tests' size column, max(send, recv) · type_bytes.
std::uint64_t algbw_bytes(Collective c, std::uint64_t size_bytes, std::uint64_t type_bytes, int nranks);

// The busbw correction factor for n ranks (throws std::invalid_argument for n < 1).
double busbw_factor(Collective c, int nranks);

// Decimal GB/s; seconds must be positive.
double algbw_gbps(std::uint64_t bytes, double seconds);
double busbw_gbps(Collective c, std::uint64_t bytes, double seconds, int nranks);

// The message sizes of a sweep, as nccl-tests walks them: begin, then ×factor (factor > 1) or +step, while
// the size stays at most end. Throws std::invalid_argument for begin 0, end < begin, or neither a factor
// above 1 nor a positive step.
std::vector<std::uint64_t> message_sizes(std::uint64_t begin, std::uint64_t end, std::uint64_t factor,
                                         std::uint64_t step);

// Bytes per element of the precisions the nccl workload runs: fp64 8, fp32 4, int32 4, fp16 2, bf16 2.
std::optional<std::uint64_t> nccl_element_bytes(std::string_view precision);
const std::vector<std::string>& nccl_precisions();
// sum, prod, max, min, avg: NCCL's built-in reductions.
const std::vector<std::string>& nccl_reductions();

// One time for the whole communicator from each rank's time of the same collective.
struct RankTime {
  double mean = 0;  // nccl-tests' default (-a 1)
  double max = 0;   // the slowest rank (-a 3)
};
// Throws std::invalid_argument on an empty span or a non-positive time.
RankTime rank_time(std::span<const double> per_rank_seconds);

}  // namespace gpucert

// Buffers of 64-bit words splitmix64(seed ^ splitmix64(i)): every copy workload fills its source with them and
// checks every word of the destination after every run, so a copy that moved the wrong bytes, or fewer, fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <cuda_runtime_api.h>

#include "core/protocol.hpp"

namespace gpucert::kernels {

// Enqueues the fill of `words` words at `out` (device memory of the current device) on `stream`.
void fill_seeded_words(std::uint64_t* out, std::size_t words, std::uint64_t seed, cudaStream_t stream);
// Enqueues the count of words at `got` that differ from their seeded value, added to `*wrong` (device memory).
void count_wrong_seeded_words(const std::uint64_t* got, std::size_t words, std::uint64_t seed,
                              unsigned long long* wrong, cudaStream_t stream);
// The same count on the host, for words in host memory.
std::uint64_t count_wrong_seeded_words_on_host(const std::uint64_t* got, std::size_t words, std::uint64_t seed);
// Enqueues the count, waits for it, and returns it: `scratch` is one device counter.
std::uint64_t wrong_seeded_words(const std::uint64_t* got, std::size_t words, std::uint64_t seed,
                                 unsigned long long* scratch, cudaStream_t stream);

// The words of one host copy's destination that differ from their seeded value, after the test fault where it
// names `workload` (test_corruption.hpp). h2d: the device buffer, counted on `stream` with `scratch`; d2h: the
// host buffer, once `stream` is done, and the fault corrupts the device source and copies it again, since the
// output is host memory.
std::uint64_t wrong_words_after_host_copy(std::string_view workload, bool h2d, std::uint64_t* device,
                                          std::uint64_t* host, std::size_t words, std::uint64_t seed,
                                          unsigned long long* scratch, cudaStream_t stream);

// The verification of a copy: every word of every run compared exactly (tolerance 0). Add to checked and
// mismatches as runs are checked, then conclude: any wrong word fails the measurement and says how many.
Verification word_check();
void conclude_word_check(RunReply& reply, Verification verification);

}  // namespace gpucert::kernels

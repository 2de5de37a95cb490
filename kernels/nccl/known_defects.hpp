// NCCL defects that the verification finds and can name. Each is predicted exactly from the request, so a
// failure is put down to NCCL only when the wrong elements are exactly the predicted ones; the result stays
// failed (the output is wrong), and its message says which defect and which NCCL fixes it.
// Plain C++ (no CUDA, no NCCL), unit-tested on a CPU.
#pragma once

#include <cstdint>

namespace gpucert::kernels::nccl {

// NVIDIA/nccl#1950, fixed in NCCL 2.29.7: on a communicator of one rank, a reduction that NCCL runs as
// PreMulSum (ncclAvg on a floating type; integers divide after the sum, and every other op is a plain copy)
// is a local kernel, oneRankReduce, that gives each of min(32, ceil(bytes / 16 KiB)) blocks
// floor(count / blocks) elements rounded up to a 16-byte pack. Whenever that leaves
// count − blocks·share > 0, the last elements are never written: out of place they keep what the output
// held (gpucert's poison), in place they keep the input.
inline constexpr const char* kOneRankAvgDefect = "NVIDIA/nccl#1950";
inline constexpr int kOneRankAvgFixedIn = 22907;  // NCCL_VERSION(2, 29, 7)

// How many trailing output elements that defect leaves unwritten; 0 where it does not apply.
// `nccl_version` is ncclGetVersion's code (X*10000 + Y*100 + Z), `count` NCCL's count argument.
std::uint64_t one_rank_avg_unwritten(int nccl_version, int nranks, bool premul_sum, std::uint64_t count,
                                     std::uint64_t type_bytes);

}  // namespace gpucert::kernels::nccl

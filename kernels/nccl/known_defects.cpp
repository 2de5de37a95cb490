#include "known_defects.hpp"

#include <algorithm>

namespace gpucert::kernels::nccl {

std::uint64_t one_rank_avg_unwritten(int nccl_version, int nranks, bool premul_sum, std::uint64_t count,
                                     std::uint64_t type_bytes) {
  if (nccl_version >= kOneRankAvgFixedIn || nranks != 1 || !premul_sum || count == 0 || type_bytes == 0 ||
      type_bytes > 16)
    return 0;
  // ncclLaunchOneRank's grid and oneRankReduce's split, as NCCL up to 2.29.6 computes them.
  const std::uint64_t blocks = std::min<std::uint64_t>(32, (count * type_bytes + (16u << 10) - 1) / (16u << 10));
  const std::uint64_t per_pack = 16 / type_bytes;
  const std::uint64_t share = (count / blocks + per_pack - 1) / per_pack * per_pack;
  return count - std::min(count, blocks * share);
}

}  // namespace gpucert::kernels::nccl

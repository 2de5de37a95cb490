// The nccl workload in the result records. Its algbw needs S for the communicator's size, which only the
// reply knows (details.nranks), so a record computes it when it is made; busbw travels beside it. At the
// root, one summary per measurement gives the communicator's figure as nccl-tests prints it: the time
// averaged over the ranks (-a 1), with the slowest rank's figure next to it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "measurement.hpp"
#include "nccl_bandwidth.hpp"

namespace gpucert {

struct ResultRecord;

struct NcclBasis {
  Collective collective = Collective::AllReduce;
  int nranks = 1;
  std::uint64_t algbw_bytes = 0;  // S (nccl_bandwidth.hpp)
  double busbw_factor = 1;
};

// For a measurement of the nccl workload whose reply names its communicator (details.nranks >= 1) and
// whose params name a known collective, precision and size; nullopt for anything else, including an nccl
// measurement that never ran (its record keeps the plan's work).
std::optional<NcclBasis> nccl_basis(const Measurement& m, const nlohmann::json& details);

// One object per nccl measurement that has a time on at least one rank, in plan order:
//   {"id", "collective", "nranks", "ranks_reporting", "time_s": {"mean", "max"}, "algbw_GBps",
//    "busbw_GBps", "busbw_slowest_GBps", "wrong"}
// Each rank contributes its median sample; "wrong" is the sum of mismatches over the ranks, as nccl-tests'
// #wrong sums them.
nlohmann::json nccl_summaries(const std::vector<ResultRecord>& results);

}  // namespace gpucert

// Container/native throughput ratios, for the performance-parity check (flavor_checks.hpp) and the report's
// parity chart: for each workload and environment other than native, the geometric mean over measurements
// (and ranks) of native median time / container median time, so 0.98 means the container is 2% slower; with
// a percentile bootstrap 95% interval that resamples each side's repetitions. Deterministic: the same record
// gives the same interval.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "run_record.hpp"

namespace gpucert {

struct RatioEstimate {
  std::string environment;
  std::string workload;
  std::size_t pairs = 0;  // measurement and rank pairs with a verified result on both sides
  double ratio = 0, low = 0, high = 0;
};

// Empty when no verified result ran outside the native environment next to a native one.
std::vector<RatioEstimate> container_native_ratios(const RunRecord& run, int resamples = 2000, std::uint64_t seed = 1);

}  // namespace gpucert

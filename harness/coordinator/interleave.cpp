#include "interleave.hpp"

#include <algorithm>

namespace gpucert::coordinator {

std::vector<int> round_repetitions(int repetitions, int rounds) {
  const int n = std::max(1, std::min(rounds, repetitions));
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(repetitions / n + (i < repetitions % n ? 1 : 0));
  return out;
}

std::vector<std::size_t> round_order(std::size_t environments, std::size_t round) {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < environments; ++k) out.push_back((k + round) % environments);
  return out;
}

void merge_round(RunReply& so_far, bool first, RunReply round) {
  if (first) {
    so_far = std::move(round);
    return;
  }
  so_far.samples_s.insert(so_far.samples_s.end(), round.samples_s.begin(), round.samples_s.end());
  merge_telemetry(so_far.telemetry, round.telemetry);
  auto& v = so_far.verification;
  const auto& w = round.verification;
  v.passed = v.passed && w.passed;
  v.checked += w.checked;
  v.mismatches += w.mismatches;
  v.max_rel_error = std::max(v.max_rel_error, w.max_rel_error);
  if (so_far.status == RunStatus::Ok && round.status != RunStatus::Ok) {
    so_far.status = round.status;
    so_far.message = round.message;
  }
}

}  // namespace gpucert::coordinator

#include "selection.hpp"

#include <algorithm>
#include <cmath>

namespace gpucert::kernels {
namespace {

// Each candidate runs for about this much device time (at least 3 runs, at most 50): enough to rank
// kernels a few percent apart on large problems, short enough that tiny ones still repeat a few dozen times.
constexpr double kBudgetSeconds = 2e-3;
constexpr int kMinRuns = 3;
constexpr int kMaxRuns = 50;

}  // namespace

Selection select_fastest(cublasLtHandle_t handle, const std::vector<Matmul>& plans, const Operands& operands,
                         EventTimer& timer, cudaStream_t stream) {
  Selection selection;
  for (std::size_t p = 0; p < plans.size(); ++p) {
    const auto heuristics = plans[p].heuristics(handle, operands.workspace_bytes, kHeuristicCandidates);
    for (std::size_t r = 0; r < heuristics.size(); ++r) {
      Candidate c;
      c.plan = p;
      c.rank = static_cast<int>(r);
      c.heuristic = heuristics[r];
      // The first, untimed run loads the kernel's module (lazy loading) and shows whether it runs at all.
      if (const auto status = plans[p].enqueue(handle, c.heuristic.algo, operands, stream);
          status != CUBLAS_STATUS_SUCCESS) {
        c.error = cublasLtGetStatusName(status);
        selection.candidates.push_back(std::move(c));
        continue;
      }
      auto enqueue = [&](cudaStream_t s) {
        GPUCERT_CUBLAS_TRY(plans[p].enqueue(handle, c.heuristic.algo, operands, s));
      };
      const double once = timer.seconds(stream, enqueue);
      c.runs = std::clamp(static_cast<int>(std::ceil(kBudgetSeconds / std::max(once, 1e-7))), kMinRuns, kMaxRuns);
      c.seconds = timer.seconds(stream, [&](cudaStream_t s) {
        for (int i = 0; i < c.runs; ++i) enqueue(s);
      }) / c.runs;
      selection.candidates.push_back(std::move(c));
      const auto& added = selection.candidates.back();
      if (!selection.best || added.seconds < selection.candidates[*selection.best].seconds)
        selection.best = selection.candidates.size() - 1;
    }
  }
  return selection;
}

nlohmann::json Selection::to_json(const std::vector<Matmul>& plans) const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : candidates) {
    nlohmann::json entry = {{"layout", name_of(plans[c.plan].layout())}, {"heuristic_index", c.rank}};
    if (c.error.empty()) {
      entry["seconds_per_run"] = c.seconds;
      entry["runs"] = c.runs;
    } else {
      entry["error"] = c.error;
    }
    list.push_back(std::move(entry));
  }
  nlohmann::json layouts = nlohmann::json::array();
  for (const auto& plan : plans) layouts.push_back(name_of(plan.layout()));
  return {{"tried", candidates.size()},
          {"layouts", layouts},
          {"heuristic_requested_per_layout", kHeuristicCandidates},
          {"candidates", list}};
}

}  // namespace gpucert::kernels

#include "autotune.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/cuda_check.hpp"

namespace gpucert::kernels::conv {
namespace {

// Median of five after one untimed run (which also absorbs first-use costs such as module loading):
// robust to one outlier either way and cheap next to building the plans.
constexpr int kTimedRuns = 5;

}  // namespace

double time_plan(const ConvPlans& plans, std::size_t plan, const ConvBuffers& b, cudaStream_t stream, LaunchGate& gate,
                 EventTimer& timer) {
  std::string failure;
  const double seconds = timer.gated_seconds(
      stream, gate, [&](cudaStream_t) { failure = plans.execute(plan, b.x, b.w, b.y, b.workspace); });
  if (!failure.empty()) throw std::runtime_error(failure);
  return seconds;
}

TuneResult autotune(const ConvPlans& plans, const ConvBuffers& b, cudaStream_t stream, LaunchGate& gate,
                    EventTimer& timer) {
  TuneResult result;
  bool any = false;
  std::string failures;
  for (std::size_t plan = 0; plan < plans.size(); ++plan) {
    PlanTiming timing;
    timing.plan = plan;
    timing.failure = plans.execute(plan, b.x, b.w, b.y, b.workspace);
    GPUCERT_CUDA_TRY(cudaStreamSynchronize(stream));
    if (timing.failure.empty()) {
      try {
        std::vector<double> times;
        for (int i = 0; i < kTimedRuns; ++i) times.push_back(time_plan(plans, plan, b, stream, gate, timer));
        std::nth_element(times.begin(), times.begin() + kTimedRuns / 2, times.end());
        timing.median_s = times[kTimedRuns / 2];
      } catch (const CudaFailure&) {
        throw;  // a CUDA error leaves the context unusable: no other plan could run either
      } catch (const std::runtime_error& e) {
        timing.failure = e.what();
      }
    }
    if (!timing.failure.empty()) {
      failures += "; " + plans.info(plan).name + ": " + timing.failure;
    } else if (!any || timing.median_s < result.timings[result.best].median_s) {
      any = true;
      result.best = plan;
    }
    result.timings.push_back(std::move(timing));
  }
  if (!any) throw std::runtime_error("cuDNN built " + std::to_string(plans.size()) + " plans but none ran" + failures);
  return result;
}

}  // namespace gpucert::kernels::conv

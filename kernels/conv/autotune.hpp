// Picks the fastest of the built plans by timing each on the real tensors, as PyTorch does with
// cudnn.benchmark=True: heuristics rank engines well but not perfectly, and the ranking's first choice is
// regularly beaten by a few percent on the shapes that matter.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <cuda_runtime_api.h>

#include "common/event_timer.hpp"
#include "conv_graph.hpp"
#include "common/launch_gate.hpp"

namespace gpucert::kernels::conv {

struct PlanTiming {
  std::size_t plan = 0;
  double median_s = 0;  // 0 when the plan failed
  std::string failure;  // the frontend's message when it failed
};

struct TuneResult {
  std::size_t best = 0;
  std::vector<PlanTiming> timings;  // one per plan, in heuristic order
};

struct ConvBuffers {
  void* x;
  void* w;
  void* y;
  void* workspace;
};

// Throws std::runtime_error listing every plan's failure when none runs.
TuneResult autotune(const ConvPlans& plans, const ConvBuffers& buffers, cudaStream_t stream, LaunchGate& gate,
                    EventTimer& timer);

// One gated, timed execution of `plan`: the device time of the convolution alone.
double time_plan(const ConvPlans& plans, std::size_t plan, const ConvBuffers& buffers, cudaStream_t stream,
                 LaunchGate& gate, EventTimer& timer);

}  // namespace gpucert::kernels::conv

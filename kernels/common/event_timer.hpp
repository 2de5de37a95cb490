// Device time of work enqueued on a stream, measured with CUDA events: the clock that excludes launch
// latency on the host and includes everything the GPU did between the two events.
#pragma once

#include <cuda_runtime_api.h>

#include "cuda_check.hpp"
#include "launch_gate.hpp"

namespace gpucert::kernels {

class EventTimer {
 public:
  EventTimer() {
    GPUCERT_CUDA_TRY(cudaEventCreate(&start_));
    GPUCERT_CUDA_TRY(cudaEventCreate(&stop_));
  }
  ~EventTimer() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;

  // Seconds between the two events around `enqueue(stream)`; waits for the stop event.
  template <typename Enqueue>
  double seconds(cudaStream_t stream, Enqueue&& enqueue) {
    GPUCERT_CUDA_TRY(cudaEventRecord(start_, stream));
    enqueue(stream);
    GPUCERT_CUDA_TRY(cudaEventRecord(stop_, stream));
    GPUCERT_CUDA_TRY(cudaEventSynchronize(stop_));
    float ms = 0;
    GPUCERT_CUDA_TRY(cudaEventElapsedTime(&ms, start_, stop_));
    return static_cast<double>(ms) * 1e-3;
  }

  // The same with `stream` held behind `gate` while the host enqueues (launch_gate.hpp), so that the seconds are
  // the GPU's alone; the plain seconds() where GPUCERT_UNGATED turns gating off.
  template <typename Enqueue>
  double gated_seconds(cudaStream_t stream, LaunchGate& gate, Enqueue&& enqueue) {
    if (!launch_gate_enabled()) return seconds(stream, enqueue);
    LaunchGate::Held held(gate, stream);
    return seconds(stream, [&](cudaStream_t s) {
      enqueue(s);
      gate.release();
    });
  }

 private:
  cudaEvent_t start_{};
  cudaEvent_t stop_{};
};

}  // namespace gpucert::kernels

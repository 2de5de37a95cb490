// Holds a stream behind a spinning kernel while the host enqueues the timed work, so that the CUDA events
// around that work measure the GPU's time alone. Without it, the host's cost of submitting the work (a kernel
// launch, a cuBLASLt matmul, a cuDNN plan: several microseconds) lands between the start event and the kernel
// whenever the stream was idle: a 5-10% error on an ~85 us convolution, that a back-to-back loop (PyTorch's
// benchmarks) does not have. nvbench gates its measurements the same way. EventTimer::gated_seconds is the one
// way workloads use it; conv does today (GEMM and stream not yet: docs/ARCHITECTURE.md, "Measurement rules").
#pragma once

#include <cuda_runtime_api.h>

namespace gpucert::kernels {

// Whether timed runs sit behind the gate (the default). GPUCERT_UNGATED=1 turns it off, so the events include the
// host's submission as a framework's event pair around a host call does: the comparison that shows what the gate
// removes.
bool launch_gate_enabled();

class LaunchGate {
 public:
  LaunchGate();
  ~LaunchGate();
  LaunchGate(const LaunchGate&) = delete;
  LaunchGate& operator=(const LaunchGate&) = delete;

  // Enqueues the spinning kernel on `stream`; work enqueued after it waits until release().
  void hold(cudaStream_t stream);
  // Lets the held stream go on. The kernel also gives up by itself after a timeout (counted), so a host
  // that never releases, or blocks on the stream before releasing, cannot hang the GPU.
  void release();
  // How many holds ended by timeout rather than release; read after the stream has synchronised.
  [[nodiscard]] unsigned timeouts() const;

  // Releases the gate when it goes out of scope, so that an exception thrown while enqueueing never
  // leaves the stream held until the timeout.
  class Held {
   public:
    Held(LaunchGate& gate, cudaStream_t stream) : gate_(gate) { gate_.hold(stream); }
    ~Held() { gate_.release(); }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;

   private:
    LaunchGate& gate_;
  };

 private:
  volatile unsigned* flag_ = nullptr;           // pinned, mapped host memory the kernel polls
  volatile unsigned* timeout_count_ = nullptr;  // pinned, mapped: the kernel counts its timeouts here
};

}  // namespace gpucert::kernels

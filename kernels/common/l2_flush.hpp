// The cold measurement of nvbench (nvbench/detail/l2flush.cuh): before each timed run, a memset of a device
// buffer larger than the L2, enqueued on the measurement's stream ahead of its start event. The stream orders the
// memset before the event, so the flush is not timed, and the run starts with none of its inputs in the L2: the
// figure of data that comes from device memory, not of data the previous run left warm (docs/ARCHITECTURE.md,
// "Warm and cold L2").
#pragma once

#include <cstddef>

#include <cuda_runtime_api.h>
#include <nlohmann/json.hpp>

#include "common/device_resources.hpp"

namespace gpucert::kernels {

class L2Flush {
 public:
  // Allocates on the current device when `cold` (twice the L2: its replacement is not strict LRU, so one L2's worth
  // of writes can leave lines of the inputs behind); does nothing otherwise.
  explicit L2Flush(bool cold);
  // Enqueues the flush on `stream` when cold; call it right before the timed region.
  void before_timed_run(cudaStream_t stream) const;
  // {"l2": "warm"} or {"l2": "cold", "l2_bytes": .., "l2_flush_bytes": ..}, for the reply's details.
  void describe(nlohmann::json& details) const;

 private:
  std::size_t l2_bytes_ = 0;
  DeviceMemory buffer_;
};

}  // namespace gpucert::kernels

// The three tensors of one convolution on the device: x and w drawn from the run's seed (uniform in
// [-1, 1), rounded to the precision's element type), y poisoned before each run.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include "conv_problem.hpp"
#include "common/device_resources.hpp"

namespace gpucert::kernels::conv {

class ConvTensors {
 public:
  ConvTensors(const ConvProblem& problem, std::uint64_t seed, cudaStream_t stream);

  [[nodiscard]] void* x() const { return x_.get(); }
  [[nodiscard]] void* w() const { return w_.get(); }
  [[nodiscard]] void* y() const { return y_.get(); }
  // NaN in every element of y (random.cuh's poison), so that an element a plan does not write fails.
  void poison_output(cudaStream_t stream) const;

 private:
  DeviceMemory x_, w_, y_;
};

}  // namespace gpucert::kernels::conv

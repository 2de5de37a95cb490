// The three tensors of one convolution on the device, one buffer per role (conv_problem.hpp): the direction's
// two inputs drawn from the run's seed (uniform in [-1, 1), rounded to the precision's element type), its output
// (y, dx in x's buffer, or dw in w's) poisoned before each run.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include "conv_problem.hpp"
#include "common/device_resources.hpp"

namespace gpucert::kernels::conv {

class ConvTensors {
 public:
  ConvTensors(const ConvProblem& problem, std::uint64_t seed, cudaStream_t stream);

  // x or dx, w or dw, y or dy.
  [[nodiscard]] void* x() const { return x_.get(); }
  [[nodiscard]] void* w() const { return w_.get(); }
  [[nodiscard]] void* y() const { return y_.get(); }
  // The buffer the direction writes.
  [[nodiscard]] void* output() const { return output_memory().get(); }
  [[nodiscard]] std::size_t output_bytes() const { return output_memory().bytes(); }
  // NaN in every element of the output (random.cuh's poison), so that an element a plan does not write fails.
  void poison_output(cudaStream_t stream) const;

 private:
  [[nodiscard]] const DeviceMemory& output_memory() const;
  DeviceMemory x_, w_, y_;
  ConvRole output_role_;
};

}  // namespace gpucert::kernels::conv

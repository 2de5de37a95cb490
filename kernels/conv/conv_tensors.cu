#include "conv_tensors.hpp"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "common/random.cuh"

namespace gpucert::kernels::conv {
namespace {

template <typename T>
void fill_inputs(const ConvProblem& problem, void* x, void* w, std::uint64_t seed, cudaStream_t stream) {
  // Inputs in [-1, 1) keep every output's expected magnitude near sqrt(C·R·S / 9), far from fp16's range
  // limit for every shape a suite accepts, and give zero-mean sums that exercise cancellation.
  fill_uniform<T>(static_cast<T*>(x), problem.x_elements(), splitmix64(seed ^ 0x1), -1.0, 1.0, stream);
  fill_uniform<T>(static_cast<T*>(w), problem.w_elements(), splitmix64(seed ^ 0x2), -1.0, 1.0, stream);
}

}  // namespace

ConvTensors::ConvTensors(const ConvProblem& problem, std::uint64_t seed, cudaStream_t stream)
    : x_(problem.x_elements() * problem.element_bytes()),
      w_(problem.w_elements() * problem.element_bytes()),
      y_(problem.y_elements() * problem.element_bytes()) {
  switch (problem.precision) {
    case ConvPrecision::Fp16: fill_inputs<__half>(problem, x_.get(), w_.get(), seed, stream); break;
    case ConvPrecision::Bf16: fill_inputs<__nv_bfloat16>(problem, x_.get(), w_.get(), seed, stream); break;
    default: fill_inputs<float>(problem, x_.get(), w_.get(), seed, stream); break;
  }
}

void ConvTensors::poison_output(cudaStream_t stream) const { poison(y_.get(), y_.bytes(), stream); }

}  // namespace gpucert::kernels::conv

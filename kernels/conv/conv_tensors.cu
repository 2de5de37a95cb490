#include "conv_tensors.hpp"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "common/random.cuh"

namespace gpucert::kernels::conv {
namespace {

// Each role's own stream of values: x and w as they always were, dy (in y's buffer) a third.
std::uint64_t seed_of(ConvRole role, std::uint64_t seed) {
  return splitmix64(seed ^ (role == ConvRole::X ? 0x1 : role == ConvRole::W ? 0x2 : 0x3));
}

// Inputs in [-1, 1) give zero-mean sums that exercise cancellation, with outputs of root mean square about
// sqrt(terms / 9) (conv_problem.hpp's terms_per_output): C·R·S forward and K·R·S / stride² backward_data keep
// them below about 23 for ResNet-50's layers (4608 terms at most); backward_filter sums N·P·Q products, about 300
// for its 56x56 layers at batch 256 and 600 for its conv1, about 100 times below fp16's largest value (65504). A
// shape whose dw would leave fp16's range shows as inf outputs in the verification, never as a passing run.
template <typename T>
void fill_inputs(const ConvProblem& problem, void* const (&buffers)[3], std::uint64_t seed, cudaStream_t stream) {
  for (const ConvRole role : {ConvRole::X, ConvRole::W, ConvRole::Y}) {
    if (role == problem.output_role()) continue;
    fill_uniform<T>(static_cast<T*>(buffers[static_cast<int>(role)]), problem.elements(role), seed_of(role, seed), -1.0,
                    1.0, stream);
  }
}

}  // namespace

ConvTensors::ConvTensors(const ConvProblem& problem, std::uint64_t seed, cudaStream_t stream)
    : x_(problem.x_elements() * problem.element_bytes()),
      w_(problem.w_elements() * problem.element_bytes()),
      y_(problem.y_elements() * problem.element_bytes()),
      output_role_(problem.output_role()) {
  void* const buffers[3] = {x_.get(), w_.get(), y_.get()};  // in ConvRole's order
  switch (problem.precision) {
    case ConvPrecision::Fp16:
      fill_inputs<__half>(problem, buffers, seed, stream);
      break;
    case ConvPrecision::Bf16:
      fill_inputs<__nv_bfloat16>(problem, buffers, seed, stream);
      break;
    default:
      fill_inputs<float>(problem, buffers, seed, stream);
      break;
  }
}

const DeviceMemory& ConvTensors::output_memory() const {
  return output_role_ == ConvRole::X ? x_ : output_role_ == ConvRole::W ? w_ : y_;
}

void ConvTensors::poison_output(cudaStream_t stream) const {
  poison(output_memory().get(), output_memory().bytes(), stream);
}

}  // namespace gpucert::kernels::conv

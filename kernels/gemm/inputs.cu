#include "inputs.hpp"

#include "common/random.cuh"
#include "element_types.cuh"

namespace gpucert::kernels {

void fill_operands(cudaDataType_t type, void* a, std::size_t a_count, void* b, std::size_t b_count, std::uint64_t seed,
                   cudaStream_t stream) {
  with_element_type(type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_uniform<T>(static_cast<T*>(a), a_count, splitmix64(seed ^ 0xA), -1.0, 1.0, stream);
    fill_uniform<T>(static_cast<T*>(b), b_count, splitmix64(seed ^ 0xB), -1.0, 1.0, stream);
  });
}

void poison_output(void* d, std::size_t bytes, cudaStream_t stream) { poison(d, bytes, stream); }

}  // namespace gpucert::kernels

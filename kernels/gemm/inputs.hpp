// The data of a run. Operands: seeded uniform values in [-1, 1), rounded once to the element type on the
// device. Signed values keep the dot products' magnitudes near sqrt(K), far from every type's overflow
// (e4m3 included), and make cancellation real, so that accumulation errors show.
#pragma once

#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>
#include <library_types.h>

namespace gpucert::kernels {

// A (a_count elements) and B (b_count) of `type`, each from its own stream of the request's seed.
void fill_operands(cudaDataType_t type, void* a, std::size_t a_count, void* b, std::size_t b_count, std::uint64_t seed,
                   cudaStream_t stream);

// Before each run: D filled with NaN (common/random.cuh's poison), so an element left unwritten fails.
void poison_output(void* d, std::size_t bytes, cudaStream_t stream);

}  // namespace gpucert::kernels

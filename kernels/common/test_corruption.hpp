// A fault the GPU tests inject to prove each workload's verification catches a wrong answer (tests/gpu): with
// GPUCERT_TEST_CORRUPT=<workload>[@<rank>] in the worker's environment, the named workload overwrites part of its
// output after each run and before verifying it, and the measurement must come back failed. Unset (always, outside
// the tests) it costs one getenv per run and touches nothing.
#pragma once

#include <cstddef>
#include <string_view>

#include <cuda_runtime_api.h>

namespace gpucert::kernels {

enum class CorruptSpan {
  Element,  // 8 bytes in the middle (all of an output shorter than that): for verifications that check every element
  Tile,     // 1/64 of the output from a third of the way in: for verifications that sample (GEMM, convolution)
};

// Overwrites the span of `output` (device memory, `bytes` long) with the byte 0x40 on `stream` when the test fault
// names `workload` (and `rank`, where it names one: NCCL's one rank's buffer). Returns whether it did.
bool corrupt_output_for_test(std::string_view workload, void* output, std::size_t bytes, cudaStream_t stream,
                             CorruptSpan span = CorruptSpan::Element, int rank = -1);

}  // namespace gpucert::kernels

// framework-alignment: where an environment carries PyTorch (the worker's probe asks python3), its CUDA build
// must match the CUDA the environment certifies (the image's CUDA_VERSION major) and find the GPU; a wheel of
// another major brings, or mixes in, CUDA libraries the certification did not check. One check per rank and
// environment that has torch; none where there is no torch. The causes and fixes are the doctor's
// (diagnose_torch, docs/CUDA_VERSIONS.md).
#pragma once

#include <vector>

#include "check.hpp"
#include "run_record.hpp"

namespace gpucert {

std::vector<Check> framework_alignment_checks(const RunRecord& run);

}  // namespace gpucert

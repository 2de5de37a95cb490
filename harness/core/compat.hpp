// Which driver each CUDA release needs. Sources: NVIDIA's CUDA Toolkit release notes, table "CUDA Toolkit
// and Minimum Required Driver Version for CUDA Minor Version Compatibility" (Linux x86_64).
#pragma once

#include <string>

namespace gpucert {

// The oldest Linux driver branch that runs any CUDA release of this major version through minor-version
// compatibility ("580" for 13.x, "525.60.13" for 12.x, "450.80.02" for 11.x); empty when unknown.
std::string minimum_driver_for_cuda_major(int cuda_major);

}  // namespace gpucert

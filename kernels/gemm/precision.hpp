// What each gemm precision means in cuBLASLt terms: operand and output types, compute and scale types,
// and the oldest GPU generation whose tensor cores run it.
#pragma once

#include <cstddef>
#include <string_view>

#include <cublasLt.h>
#include <library_types.h>

namespace gpucert::kernels {

struct GemmPrecision {
  std::string_view name;        // "fp16": the suite's precision name
  cudaDataType_t input;         // A and B
  cudaDataType_t output;        // C and D
  cublasComputeType_t compute;  // accumulation
  cudaDataType_t scale;         // alpha and beta
  int min_compute_capability;   // major·10 + minor; 0 for any GPU
  std::string_view why_min;     // the waiver's reason on older GPUs
};

// nullptr for an unknown name.
const GemmPrecision* find_gemm_precision(std::string_view name);

std::size_t element_bytes(cudaDataType_t type);
std::string_view type_name(cudaDataType_t type);  // "fp16", "e4m3", ...
std::string_view compute_name(cublasComputeType_t compute);

}  // namespace gpucert::kernels

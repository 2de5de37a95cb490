// A logical matrix over device memory: element (i, j) lives at data + i·row_stride + j·col_stride
// elements. The reference reads op(A) and B through views, so it never assumes the layout cuBLASLt used.
#pragma once

#include <cstdint>

#include <library_types.h>

namespace gpucert::kernels {

struct MatrixView {
  const void* data = nullptr;
  cudaDataType_t type = CUDA_R_32F;
  std::uint64_t row_stride = 0;
  std::uint64_t col_stride = 0;
};

}  // namespace gpucert::kernels

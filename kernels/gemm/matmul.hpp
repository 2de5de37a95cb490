// One cuBLASLt problem D = op(A)·B, column-major, for a precision, a layout and a shape: its descriptors,
// the heuristic's candidate algorithms, and the call itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include "cublaslt.hpp"
#include "matrix_view.hpp"
#include "precision.hpp"

namespace gpucert::kernels {

// cuBLAS's names for op(A) and op(B). NN is what torch.matmul issues for row-major tensors; TN keeps both
// operands K-major, the layout Hopper's tensor cores read natively and the only one cuBLASLt takes for fp8.
enum class Layout { NN, TN };
std::string_view name_of(Layout layout);

struct Operands {
  const void* a = nullptr;  // M×K elements, stored as the layout says
  const void* b = nullptr;  // K×N, column-major
  void* d = nullptr;        // M×N, column-major
  void* workspace = nullptr;
  std::size_t workspace_bytes = 0;
};

class Matmul {
 public:
  // `unit_scale` (a device float holding 1.0) is set as A's and B's scale for fp8, null otherwise.
  Matmul(const GemmPrecision& precision, Layout layout, std::uint64_t m, std::uint64_t n, std::uint64_t k,
         const float* unit_scale, bool fast_accumulation);

  // Up to `count` working algorithms, cuBLASLt's estimate of the fastest first; empty when cuBLASLt has
  // none for this problem (fp8 with leading dimensions that are not 16-byte aligned, for instance).
  [[nodiscard]] std::vector<cublasLtMatmulHeuristicResult_t> heuristics(cublasLtHandle_t handle,
                                                                        std::size_t workspace_bytes, int count) const;

  // Enqueues the multiply; the status is returned, not thrown, so that selection can pass over an
  // algorithm that refuses.
  [[nodiscard]] cublasStatus_t enqueue(cublasLtHandle_t handle, const cublasLtMatmulAlgo_t& algo,
                                       const Operands& operands, cudaStream_t stream) const;

  [[nodiscard]] Layout layout() const { return layout_; }
  [[nodiscard]] MatrixView a_view(const void* a) const;  // op(A), M×K
  [[nodiscard]] MatrixView b_view(const void* b) const;  // B, K×N

 private:
  const GemmPrecision* precision_;
  Layout layout_;
  std::uint64_t m_, k_;
  Owned<cublasLtMatmulDesc_t> desc_;
  Owned<cublasLtMatrixLayout_t> a_, b_, d_;
};

}  // namespace gpucert::kernels

// Checks a gemm output against an fp64 reference: at most 256 rows × 256 columns of D (every row and
// column of a smaller output), evenly spaced and always including the first and last, where tile-edge
// bugs show. The reference is computed once from the inputs; each check after a run then costs two small
// kernels: the comparison at the sampled elements and a NaN/inf count over the whole output.
#pragma once

#include <cstdint>
#include <vector>

#include <cuda_runtime_api.h>
#include <library_types.h>

#include "common/device_resources.hpp"
#include "matrix_view.hpp"

namespace gpucert::kernels {

struct CheckResult {
  double relative_error = 0;            // ||D − ref|| / ||ref|| over the sampled elements; +inf if any is NaN/inf
  std::uint64_t nonfinite_sampled = 0;  // NaN/inf among the sampled elements
  std::uint64_t nonfinite_output = 0;   // NaN/inf anywhere in D
};

class Verifier {
 public:
  static constexpr std::uint64_t kMaxSamples = 256;  // per dimension

  // Computes the reference (untimed) for D = op(A)·B with D M×N column-major of type `output`.
  Verifier(MatrixView a, MatrixView b, cudaDataType_t output, std::uint64_t m, std::uint64_t n, std::uint64_t k,
           cudaStream_t stream);

  CheckResult check(const void* d, cudaStream_t stream) const;

  [[nodiscard]] std::uint64_t rows() const { return rows_.size(); }
  [[nodiscard]] std::uint64_t columns() const { return cols_.size(); }
  [[nodiscard]] std::uint64_t checked() const { return rows() * columns(); }
  [[nodiscard]] double reference_norm() const { return reference_norm_; }

 private:
  cudaDataType_t output_;
  std::uint64_t m_, n_;
  std::vector<std::uint64_t> rows_, cols_;
  DeviceMemory device_rows_, device_cols_, reference_, partials_, counter_;
  double reference_norm_ = 0;
};

// The indices a check samples from `extent`: all of them up to `limit`, else `limit` evenly spaced from 0
// to extent − 1 inclusive.
std::vector<std::uint64_t> sample_indices(std::uint64_t extent, std::uint64_t limit);

}  // namespace gpucert::kernels

// The CUDA version x flavor matrix of a run over several CUDA versions (`gpucert run --cuda 12.9,13.0
// --flavors ...`): per cell (one container environment), its conformance checks, its worst container/native
// parity and, where the image carries PyTorch, whether PyTorch's CUDA build matches the image's. The cell's
// verdict fails with any of its checks (framework alignment included).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/run_record.hpp"
#include "run_facts.hpp"

namespace gpucert::reports {

struct CudaMatrixCell {
  std::string environment;  // empty: this version and flavor did not run
  VerdictCounts checks;
  std::optional<double> worst_parity;  // the lowest container/native ratio of its workloads
  std::string worst_parity_workload;
  std::optional<Verdict> framework;  // framework-alignment, when the image has PyTorch
  bool usable = false;               // a rank could run there
};

struct CudaMatrix {
  std::vector<std::string> versions;               // "12.9", "13.0", ascending
  std::vector<std::string> flavors;                // in the order the run named them
  std::vector<std::vector<CudaMatrixCell>> cells;  // [version][flavor]
  [[nodiscard]] bool empty() const { return versions.empty(); }
};

// Empty unless the run's flavor environments span two or more CUDA versions, or were asked per version (--cuda).
// A cell's CUDA version is the image's CUDA_VERSION (major.minor), else the version it was planned for.
CudaMatrix cuda_matrix(const RunRecord& run);

// "## CUDA version x flavor" and its table, or "" when the matrix is empty.
std::string cuda_matrix_markdown(const RunRecord& run);
// <section id="cuda-matrix">, or "" when the matrix is empty.
std::string cuda_matrix_html(const RunRecord& run);

}  // namespace gpucert::reports

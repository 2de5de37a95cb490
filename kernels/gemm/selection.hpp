// Autotuning in the small: cuBLASLt's heuristic proposes a few algorithms per layout, each is timed
// briefly on the real operands, and the fastest is kept for the measurement. The heuristic's first choice
// is an estimate; on a given GPU and shape another candidate is often a few percent faster, and the
// frameworks that set the bar (PyTorch with cuBLASLt autotuning, TensorRT) measure too.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <nlohmann/json.hpp>

#include "common/event_timer.hpp"
#include "matmul.hpp"

namespace gpucert::kernels {

inline constexpr int kHeuristicCandidates = 8;  // per layout

struct Candidate {
  std::size_t plan = 0;  // index into the plans passed to select_fastest
  int rank = 0;          // position in the heuristic's list, 0 = its first choice
  cublasLtMatmulHeuristicResult_t heuristic{};
  double seconds = 0;  // mean device time per run; 0 when the algorithm refused to run
  int runs = 0;
  std::string error;  // the status name when it refused
};

struct Selection {
  std::vector<Candidate> candidates;
  std::optional<std::size_t> best;  // index into candidates; empty when no algorithm ran
  [[nodiscard]] const Candidate& winner() const { return candidates.at(*best); }
  [[nodiscard]] nlohmann::json to_json(const std::vector<Matmul>& plans) const;
};

Selection select_fastest(cublasLtHandle_t handle, const std::vector<Matmul>& plans, const Operands& operands,
                         EventTimer& timer, cudaStream_t stream);

}  // namespace gpucert::kernels

// What cuBLASLt chose, in the reply's details: the algorithm's configuration as cublasLt.h numbers it
// (tile and stages are cublasLtMatmulTile_t / cublasLtMatmulStages_t values), so that two runs, or a
// container and bare metal, can be seen to have run the same kernel.
#pragma once

#include <cublasLt.h>
#include <nlohmann/json.hpp>

namespace gpucert::kernels {

nlohmann::json describe_algorithm(const cublasLtMatmulHeuristicResult_t& heuristic);

}  // namespace gpucert::kernels

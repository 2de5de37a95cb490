#include "algorithm_info.hpp"

#include <cstdint>

namespace gpucert::kernels {
namespace {

// Attributes an algorithm does not report are left out rather than failing the run: they are diagnostics.
template <typename T>
void add(nlohmann::json& out, const char* key, const cublasLtMatmulAlgo_t& algo,
         cublasLtMatmulAlgoConfigAttributes_t attribute) {
  T value{};
  std::size_t written = 0;
  if (cublasLtMatmulAlgoConfigGetAttribute(&algo, attribute, &value, sizeof(value), &written) ==
          CUBLAS_STATUS_SUCCESS &&
      written == sizeof(value))
    out[key] = value;
}

}  // namespace

nlohmann::json describe_algorithm(const cublasLtMatmulHeuristicResult_t& heuristic) {
  nlohmann::json out = nlohmann::json::object();
  const auto& algo = heuristic.algo;
  add<std::int32_t>(out, "algo_id", algo, CUBLASLT_ALGO_CONFIG_ID);
  add<std::uint32_t>(out, "tile_id", algo, CUBLASLT_ALGO_CONFIG_TILE_ID);
  add<std::uint32_t>(out, "stages_id", algo, CUBLASLT_ALGO_CONFIG_STAGES_ID);
  add<std::int32_t>(out, "splitk", algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM);
  add<std::uint32_t>(out, "reduction_scheme", algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME);
  add<std::uint32_t>(out, "cta_swizzling", algo, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING);
  add<std::uint32_t>(out, "custom_option", algo, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION);
  add<std::uint16_t>(out, "inner_shape_id", algo, CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID);
  add<std::uint16_t>(out, "cluster_shape_id", algo, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID);
  out["workspace_bytes"] = heuristic.workspaceSize;
  out["waves"] = heuristic.wavesCount;
  return out;
}

}  // namespace gpucert::kernels

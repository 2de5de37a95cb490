#include "precision.hpp"

#include <array>

namespace gpucert::kernels {
namespace {

// fp16 and bf16 accumulate in fp32 and round only the output, as torch.matmul does by default; fp8 writes
// bf16, the output type fp8 training and inference use, with fp32 accumulation (cuBLASLt offers no other).
constexpr std::array<GemmPrecision, 6> kPrecisions{{
    {"fp64", CUDA_R_64F, CUDA_R_64F, CUBLAS_COMPUTE_64F, CUDA_R_64F, 0, ""},
    {"fp32", CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F, CUDA_R_32F, 0, ""},
    {"tf32", CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, CUDA_R_32F, 80,
     "TF32 tensor cores arrived with compute capability 8.0 (Ampere); before it the request would run as fp32"},
    {"fp16", CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_32F, CUDA_R_32F, 0, ""},
    {"bf16", CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F, CUDA_R_32F, 80,
     "bf16 tensor cores arrived with compute capability 8.0 (Ampere)"},
    {"fp8", CUDA_R_8F_E4M3, CUDA_R_16BF, CUBLAS_COMPUTE_32F, CUDA_R_32F, 89,
     "fp8 (e4m3) tensor cores arrived with compute capability 8.9 (Ada) and 9.0 (Hopper)"},
}};

}  // namespace

const GemmPrecision* find_gemm_precision(std::string_view name) {
  for (const auto& p : kPrecisions)
    if (p.name == name) return &p;
  return nullptr;
}

std::size_t element_bytes(cudaDataType_t type) {
  switch (type) {
    case CUDA_R_64F:
      return 8;
    case CUDA_R_32F:
      return 4;
    case CUDA_R_16F:
    case CUDA_R_16BF:
      return 2;
    case CUDA_R_8F_E4M3:
      return 1;
    default:
      return 0;
  }
}

std::string_view type_name(cudaDataType_t type) {
  switch (type) {
    case CUDA_R_64F:
      return "fp64";
    case CUDA_R_32F:
      return "fp32";
    case CUDA_R_16F:
      return "fp16";
    case CUDA_R_16BF:
      return "bf16";
    case CUDA_R_8F_E4M3:
      return "e4m3";
    default:
      return "unknown";
  }
}

std::string_view compute_name(cublasComputeType_t compute) {
  switch (compute) {
    case CUBLAS_COMPUTE_64F:
      return "CUBLAS_COMPUTE_64F";
    case CUBLAS_COMPUTE_32F:
      return "CUBLAS_COMPUTE_32F";
    case CUBLAS_COMPUTE_32F_FAST_TF32:
      return "CUBLAS_COMPUTE_32F_FAST_TF32";
    default:
      return "other";
  }
}

}  // namespace gpucert::kernels

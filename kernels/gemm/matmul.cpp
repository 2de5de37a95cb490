#include "matmul.hpp"

#include <algorithm>

namespace gpucert::kernels {
namespace {

// alpha = 1, beta = 0 in the scale type: double for fp64, float for everything else.
constexpr double kOne64 = 1.0, kZero64 = 0.0;
constexpr float kOne32 = 1.0f, kZero32 = 0.0f;

template <typename T>
void set(cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attribute, const T& value) {
  GPUCERT_CUBLAS_TRY(cublasLtMatmulDescSetAttribute(desc, attribute, &value, sizeof(value)));
}

Owned<cublasLtMatrixLayout_t> make_layout(cudaDataType_t type, std::uint64_t rows, std::uint64_t cols) {
  cublasLtMatrixLayout_t layout = nullptr;
  GPUCERT_CUBLAS_TRY(cublasLtMatrixLayoutCreate(&layout, type, rows, cols, static_cast<std::int64_t>(rows)));
  return Owned<cublasLtMatrixLayout_t>(layout);
}

}  // namespace

std::string_view name_of(Layout layout) { return layout == Layout::TN ? "TN" : "NN"; }

Matmul::Matmul(const GemmPrecision& precision, Layout layout, std::uint64_t m, std::uint64_t n, std::uint64_t k,
               const float* unit_scale, bool fast_accumulation)
    : precision_(&precision), layout_(layout), m_(m), k_(k) {
  cublasLtMatmulDesc_t desc = nullptr;
  GPUCERT_CUBLAS_TRY(cublasLtMatmulDescCreate(&desc, precision.compute, precision.scale));
  desc_.reset(desc);
  const bool transposed = layout == Layout::TN;
  set(desc, CUBLASLT_MATMUL_DESC_TRANSA, static_cast<std::int32_t>(transposed ? CUBLAS_OP_T : CUBLAS_OP_N));
  set(desc, CUBLASLT_MATMUL_DESC_TRANSB, static_cast<std::int32_t>(CUBLAS_OP_N));
  if (precision.input == CUDA_R_8F_E4M3) {
    // Unit scales, as torch._scaled_mm passes them: inputs in [-1, 1) need no range scaling for e4m3.
    // D's scale is left unset: it applies only to an fp8 output.
    const void* scale = unit_scale;
    set(desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, scale);
    set(desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, scale);
    set(desc, CUBLASLT_MATMUL_DESC_FAST_ACCUM, static_cast<std::int8_t>(fast_accumulation ? 1 : 0));
  }
  // A is stored K×M and read transposed (TN), or stored M×K (NN); leading dimension = stored rows.
  a_ = transposed ? make_layout(precision.input, k, m) : make_layout(precision.input, m, k);
  b_ = make_layout(precision.input, k, n);
  d_ = make_layout(precision.output, m, n);
}

std::vector<cublasLtMatmulHeuristicResult_t> Matmul::heuristics(cublasLtHandle_t handle, std::size_t workspace_bytes,
                                                                int count) const {
  cublasLtMatmulPreference_t raw = nullptr;
  GPUCERT_CUBLAS_TRY(cublasLtMatmulPreferenceCreate(&raw));
  const Owned<cublasLtMatmulPreference_t> preference(raw);
  const auto limit = static_cast<std::uint64_t>(workspace_bytes);
  GPUCERT_CUBLAS_TRY(
      cublasLtMatmulPreferenceSetAttribute(raw, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &limit, sizeof(limit)));
  std::vector<cublasLtMatmulHeuristicResult_t> results(static_cast<std::size_t>(count));
  int returned = 0;
  const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(handle, desc_.get(), a_.get(), b_.get(), d_.get(),
                                                               d_.get(), raw, count, results.data(), &returned);
  if (status == CUBLAS_STATUS_NOT_SUPPORTED) return {};
  GPUCERT_CUBLAS_TRY(status);
  results.resize(static_cast<std::size_t>(std::max(returned, 0)));
  std::erase_if(results, [](const auto& r) { return r.state != CUBLAS_STATUS_SUCCESS; });
  return results;
}

cublasStatus_t Matmul::enqueue(cublasLtHandle_t handle, const cublasLtMatmulAlgo_t& algo, const Operands& operands,
                               cudaStream_t stream) const {
  const bool wide = precision_->scale == CUDA_R_64F;
  const void* alpha = wide ? static_cast<const void*>(&kOne64) : static_cast<const void*>(&kOne32);
  const void* beta = wide ? static_cast<const void*>(&kZero64) : static_cast<const void*>(&kZero32);
  // beta = 0: C is never read, D doubles as C so that no second output buffer is needed.
  return cublasLtMatmul(handle, desc_.get(), alpha, operands.a, a_.get(), operands.b, b_.get(), beta, operands.d,
                        d_.get(), operands.d, d_.get(), &algo, operands.workspace, operands.workspace_bytes, stream);
}

MatrixView Matmul::a_view(const void* a) const {
  // op(A)(i, p): TN stores A as K×M, so element (i, p) is at p + i·K; NN stores M×K, at i + p·M.
  if (layout_ == Layout::TN) return {a, precision_->input, k_, 1};
  return {a, precision_->input, 1, m_};
}

MatrixView Matmul::b_view(const void* b) const { return {b, precision_->input, 1, k_}; }

}  // namespace gpucert::kernels

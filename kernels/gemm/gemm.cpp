// One gemm measurement:
//  1. A and B are filled from the request's seed on the device (inputs.hpp); D is poisoned before every run.
//  2. Algorithm: cuBLASLt's heuristic proposes up to 8 algorithms per layout (NN and TN; fp8: TN only), each
//     is timed briefly and the fastest kept (selection.hpp). A 64 MiB workspace lets it pick split-K and
//     stream-K kernels, as PyTorch's cuBLASLt workspace does.
//  3. warmup + repetitions runs, each timed alone with CUDA events through Google Benchmark's manual time.
//  4. After every run, untimed: sampled elements against an fp64 reference (relative Frobenius error, the
//     limit from core's tolerance table) and a NaN/inf count over all of D (verifier.hpp).
#include "gemm.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include "algorithm_info.hpp"
#include "common/cuda_check.hpp"
#include "common/event_timer.hpp"
#include "common/l2_flush.hpp"
#include "common/plugin_glue.hpp"
#include "common/sampler.hpp"
#include "core/tolerance.hpp"
#include "cublaslt.hpp"
#include "common/device_resources.hpp"
#include "common/test_corruption.hpp"
#include "inputs.hpp"
#include "matmul.hpp"
#include "precision.hpp"
#include "selection.hpp"
#include "verifier.hpp"

namespace gpucert::kernels {
namespace {

constexpr std::size_t kWorkspaceBytes = 64ull << 20;
constexpr std::uint64_t kMaxDimension = 65536;  // the suite's limit (gemm/spec.cpp)

Owned<cublasLtHandle_t> make_handle() {
  cublasLtHandle_t handle = nullptr;
  GPUCERT_CUBLAS_TRY(cublasLtCreate(&handle));
  return Owned<cublasLtHandle_t>(handle);
}

int compute_capability(int device) {
  int major = 0, minor = 0;
  GPUCERT_CUDA_TRY(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  GPUCERT_CUDA_TRY(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  return major * 10 + minor;
}

// %g keeps fp64-sized errors readable ("1.3e-13") where std::to_string writes "0.000000".
std::string short_number(double v) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2g", v);
  return text;
}

std::string capability_text(int cc) { return std::to_string(cc / 10) + "." + std::to_string(cc % 10); }

std::string shape_text(std::uint64_t m, std::uint64_t n, std::uint64_t k) {
  return std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
}

// Reads one dimension; 0 when it is missing or out of range.
std::uint64_t dimension(const nlohmann::json& params, const char* key) {
  const auto it = params.find(key);
  if (it == params.end() || !it->is_number_integer()) return 0;
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    return v <= kMaxDimension ? v : 0;
  }
  const auto v = it->get<std::int64_t>();
  return v >= 1 && v <= static_cast<std::int64_t>(kMaxDimension) ? static_cast<std::uint64_t>(v) : 0;
}

RunReply no_algorithm(const GemmPrecision& precision, std::uint64_t m, std::uint64_t n, std::uint64_t k, int cc) {
  const std::string what = "cuBLASLt offers no algorithm for " + std::string(precision.name) + " " +
                           shape_text(m, n, k) + " on this GPU (compute capability " + capability_text(cc) + ")";
  // cuBLASLt's fp8 kernels need 16-byte aligned leading dimensions: K (A and B, one byte per element) a
  // multiple of 16, M (the bf16 output) a multiple of 8. That is a property of the shape, not a fault.
  if (precision.input == CUDA_R_8F_E4M3 && (k % 16 != 0 || m % 8 != 0))
    return waived_reply(what + ": its fp8 kernels need K a multiple of 16 and M a multiple of 8");
  return error_reply(what);
}

}  // namespace

RunReply run_gemm(const RunRequest& request) {
  const auto precision_name = request.params.value("precision", std::string{});
  const GemmPrecision* precision = find_gemm_precision(precision_name);
  if (!precision)
    return error_reply("gemm: unknown precision '" + precision_name +
                       "' (expected fp64, fp32, tf32, fp16, bf16 or fp8)");
  const std::uint64_t m = dimension(request.params, "m"), n = dimension(request.params, "n"),
                      k = dimension(request.params, "k");
  if (!m || !n || !k)
    return error_reply("gemm: params m, n and k must be whole numbers between 1 and " + std::to_string(kMaxDimension));
  const bool fast_accumulation = request.params.value("fp8_fast_accumulation", false);
  const bool fp8 = precision->input == CUDA_R_8F_E4M3;

  GPUCERT_CUDA_TRY(cudaSetDevice(request.device));
  const int cc = compute_capability(request.device);
  if (cc < precision->min_compute_capability)
    return waived_reply(std::string(precision->why_min) + "; this GPU has compute capability " + capability_text(cc));

  OwnedStream stream;
  const cudaStream_t s = stream.get();
  const auto handle = make_handle();
  const std::size_t in_bytes = element_bytes(precision->input), out_bytes = element_bytes(precision->output);
  DeviceMemory a(m * k * in_bytes), b(k * n * in_bytes), d(m * n * out_bytes), workspace(kWorkspaceBytes);
  DeviceMemory unit_scale(fp8 ? sizeof(float) : 0);
  if (fp8) {
    const float one = 1.0f;
    GPUCERT_CUDA_TRY(cudaMemcpy(unit_scale.get(), &one, sizeof(one), cudaMemcpyHostToDevice));
  }
  fill_operands(precision->input, a.get(), m * k, b.get(), k * n, request.seed, s);
  const Operands operands{a.get(), b.get(), d.get(), workspace.get(), workspace.bytes()};

  std::vector<Matmul> plans;
  for (const Layout layout : {Layout::NN, Layout::TN})
    if (!fp8 || layout == Layout::TN)
      plans.emplace_back(*precision, layout, m, n, k, unit_scale.as<float>(), fast_accumulation);

  EventTimer timer;
  const Selection selection = select_fastest(handle.get(), plans, operands, timer, s);
  if (!selection.best) return no_algorithm(*precision, m, n, k, cc);
  const Candidate& best = selection.winner();
  const Matmul& plan = plans[best.plan];

  const Verifier verifier(plan.a_view(a.get()), plan.b_view(b.get()), precision->output, m, n, k, s);
  Verification verification;
  verification.tolerance = relative_error_limit(precision->name);
  verification.method = "fp64 dot products of the same inputs at " + std::to_string(verifier.rows()) + " rows x " +
                        std::to_string(verifier.columns()) +
                        " columns (relative Frobenius error), and NaN/inf over all of D, after every run";
  std::uint64_t nonfinite = 0;
  const L2Flush l2(request.flush_l2);
  RunReply reply;
  reply.samples_s = sample_device_time(request.id, request.warmup, request.repetitions, [&] {
    poison_output(d.get(), d.bytes(), s);
    l2.before_timed_run(s);
    const double seconds = timer.seconds(
        s, [&](cudaStream_t st) { GPUCERT_CUBLAS_TRY(plan.enqueue(handle.get(), best.heuristic.algo, operands, st)); });
    corrupt_output_for_test("gemm", d.get(), d.bytes(), s, CorruptSpan::Tile);
    const CheckResult check = verifier.check(d.get(), s);
    verification.checked += verifier.checked();
    nonfinite += check.nonfinite_output;
    if (check.nonfinite_output)
      verification.mismatches += check.nonfinite_output;
    else if (!(check.relative_error <= verification.tolerance))
      verification.mismatches += 1;  // the norm check counts once per run: it judges the sample as a whole
    verification.max_rel_error = std::max(verification.max_rel_error, check.relative_error);
    return seconds;
  });

  // Warm-up runs are verified too (they share the lambda); only the timed runs are samples.
  conclude_verification(reply, verification, [&] {
    return nonfinite ? std::to_string(nonfinite) + " NaN/inf output elements (unwritten poison or overflow)"
                     : "relative error " + short_number(verification.max_rel_error) + " exceeds the " +
                           std::string(precision->name) + " limit " + short_number(verification.tolerance);
  });

  nlohmann::json algorithm = describe_algorithm(best.heuristic);
  algorithm["layout"] = name_of(plan.layout());
  algorithm["heuristic_index"] = best.rank;
  algorithm["selection_seconds_per_run"] = best.seconds;
  reply.details = {{"precision", precision->name},
                   {"m", m},
                   {"n", n},
                   {"k", k},
                   {"types",
                    {{"a", type_name(precision->input)},
                     {"b", type_name(precision->input)},
                     {"d", type_name(precision->output)},
                     {"compute", compute_name(precision->compute)},
                     {"scale", type_name(precision->scale)}}},
                   {"algorithm", algorithm},
                   {"selection", selection.to_json(plans)},
                   {"workspace_limit_bytes", kWorkspaceBytes},
                   {"compute_capability", capability_text(cc)},
                   {"reference",
                    {{"sampled_rows", verifier.rows()},
                     {"sampled_columns", verifier.columns()},
                     {"norm", verifier.reference_norm()},
                     {"nonfinite_outputs", nonfinite}}}};
  if (fp8) reply.details["fp8_fast_accumulation"] = fast_accumulation;
  l2.describe(reply.details);
  return reply;
}

}  // namespace gpucert::kernels

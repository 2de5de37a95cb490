// The flow of one conv run, in any direction: tensors from the seed, cuDNN's plans for the problem, the fastest
// of them by measurement, then warm-up and timed runs of that plan, each on a poisoned output and each verified.
#include "conv.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "autotune.hpp"
#include "common/cuda_check.hpp"
#include "common/event_timer.hpp"
#include "common/l2_flush.hpp"
#include "common/plugin_glue.hpp"
#include "common/sampler.hpp"
#include "common/test_corruption.hpp"
#include "conv_graph.hpp"
#include "conv_params.hpp"
#include "conv_tensors.hpp"
#include "core/tolerance.hpp"
#include "cudnn_check.hpp"
#include "common/device_resources.hpp"
#include "common/launch_gate.hpp"
#include "reference_terms.hpp"
#include "verify.hpp"

namespace gpucert::kernels::conv {
namespace {

// Every plan the heuristics (mode A and the fallback list) offer and the numerical notes allow, up to a bound
// no cuDNN release has reached: PyTorch's cudnn.benchmark times up to 10 candidates of its own ordering, and
// with the 16 first of ours ResNet-50's conv1 in fp16 ran at 0.43x of PyTorch's figure on an H100 (docs/
// PERFORMANCE.md). Timing a plan costs milliseconds.
constexpr std::size_t kMaxPlans = 128;
// Device memory left free for cuDNN's own allocations and the verification buffers.
constexpr std::size_t kReservedBytes = std::size_t{512} << 20;

std::int64_t workspace_limit() {
  std::size_t free = 0, total = 0;
  GPUCERT_CUDA_TRY(cudaMemGetInfo(&free, &total));
  return static_cast<std::int64_t>(free > kReservedBytes ? free - kReservedBytes : 0);
}

const char* math_of(ConvPrecision precision) {
  switch (precision) {
    case ConvPrecision::Fp32:
      return "fp32 data, fp32 math, tensor-core (TF32) engines excluded";
    case ConvPrecision::Tf32:
      return "fp32 data, TF32 tensor-core engines only, fp32 accumulation";
    case ConvPrecision::Fp16:
      return "fp16 data, fp32 accumulation";
    case ConvPrecision::Bf16:
      return "bf16 data, fp32 accumulation";
  }
  return "";
}

const char* computes(ConvDirection direction) {
  switch (direction) {
    case ConvDirection::Forward:
      return "y from x and w (conv2d)";
    case ConvDirection::BackwardData:
      return "dx from dy and w (convolution_backward's grad_input)";
    case ConvDirection::BackwardFilter:
      return "dw from x and dy (convolution_backward's grad_weight)";
  }
  return "";
}

// What the reference sums, for the verification's method.
const char* reference_of(ConvDirection direction) {
  switch (direction) {
    case ConvDirection::Forward:
      return "fp64 direct convolution";
    case ConvDirection::BackwardData:
      return "fp64 direct backward-data convolution (dx)";
    case ConvDirection::BackwardFilter:
      return "fp64 direct backward-filter convolution (dw)";
  }
  return "";
}

nlohmann::json problem_json(const ConvProblem& p) {
  // y's shape: the output forward, the gradient dy that backward directions read.
  const char* y_key = p.direction == ConvDirection::Forward ? "output_nkpq" : "dy_nkpq";
  return {{"layout", "NHWC (channels-last), filters KRSC"},
          {y_key, {p.n, p.k, p.p(), p.q()}},
          {"math", math_of(p.precision)},
          {"direction", name_of(p.direction)},
          {"computes", computes(p.direction)}};
}

}  // namespace

RunReply run_conv(const RunRequest& request) {
  ConvProblem problem;
  try {
    problem = parse_conv_params(request.params);
  } catch (const std::invalid_argument& e) {
    return error_reply(e.what());
  }
  const std::string precision = name_of(problem.precision);
  // Core's limit for the precision, in every direction. backward_filter's sums are far longer than forward's
  // (N·P·Q products per dw element: 802,816 for ResNet-50's 56x56 layers at batch 256, 3,211,264 for conv1,
  // against C·R·S <= 4608 forward), and fp32 accumulation error grows like sqrt(n)·2^-24 over zero-mean terms:
  // summed in one sequence of fp32 FMAs, 1.1e-5 relative at 802,816 terms and 3.2e-5 at 3,211,264 (a host
  // simulation on inputs like these). cuDNN's wgrad engines split the sum across blocks, which only shortens the
  // sequences. That stays 3x under fp32's 1e-4, which in turn stays under TF32's ~3e-4 (input rounding, the
  // same for any n), so fp32 run on TF32 tensor cores still fails. The 16-bit limits are set by the rounding of
  // the output, not by n; a 16-bit reduction over 802,816 terms would be off by ~0.2 and fails them.
  const double limit = relative_error_limit(precision);

  GPUCERT_CUDA_TRY(cudaSetDevice(request.device));
  OwnedStream stream;
  const cudaStream_t s = stream.get();
  CudnnHandle handle(s);
  ConvTensors tensors(problem, request.seed, s);

  RunReply reply;
  reply.details = problem_json(problem);
  reply.details["cudnn_version"] = cudnn_version_text(cudnnGetVersion());
  reply.details["cudnn_frontend_version"] = cudnn_frontend_version();
  const std::int64_t max_workspace = workspace_limit();
  std::unique_ptr<ConvPlans> plans;
  try {
    plans = std::make_unique<ConvPlans>(handle.get(), problem, max_workspace, kMaxPlans);
  } catch (const ConvUnsupported& e) {
    reply.status = RunStatus::Waived;
    reply.message = "cuDNN " + cudnn_version_text(cudnnGetVersion()) + ": " + e.what();
    return reply;
  }
  std::int64_t workspace_bytes = 0;
  for (std::size_t i = 0; i < plans->size(); ++i)
    workspace_bytes = std::max(workspace_bytes, plans->info(i).workspace_bytes);
  DeviceMemory workspace(static_cast<std::size_t>(workspace_bytes));
  const ConvBuffers buffers{tensors.x(), tensors.w(), tensors.y(), workspace.get()};

  LaunchGate gate;
  EventTimer timer;
  const TuneResult tune = autotune(*plans, buffers, s, gate, timer);
  const std::size_t best = tune.best;
  // The reference waits until here so that it is computed from exactly the bytes every plan read.
  const ConvVerifier verifier(problem, tensors.x(), tensors.w(), tensors.y(), request.seed, limit,
                              reference_samples(problem), s);

  Verification verification;
  verification.tolerance = limit;
  verification.method =
      std::string(reference_of(problem.direction)) + " of the same inputs at " +
      (verifier.every_element() ? "every output"
                                : std::to_string(verifier.samples()) + " outputs chosen by a seeded hash") +
      ", relative Frobenius error, every run; NaN/inf scan of the whole output";
  std::uint64_t nonfinite = 0;
  const L2Flush l2(request.flush_l2);
  reply.samples_s = sample_device_time(request.id, request.warmup, request.repetitions, [&] {
    tensors.poison_output(s);
    l2.before_timed_run(s);
    const double seconds = time_plan(*plans, best, buffers, s, gate, timer);
    corrupt_output_for_test("conv", tensors.output(), tensors.output_bytes(), s, CorruptSpan::Tile);
    const RunCheck check = verifier.check(tensors.output(), s);
    verification.checked += check.checked;
    verification.mismatches += check.mismatches;
    nonfinite += check.nonfinite;
    const double error =
        std::isnan(check.relative_error) ? std::numeric_limits<double>::infinity() : check.relative_error;
    verification.max_rel_error = std::max(verification.max_rel_error, error);
    return seconds;
  });
  // Warm-up runs are verified too (they share the lambda); only timed runs count as samples.
  conclude_verification(reply, verification, [&] {
    return "relative Frobenius error " + std::to_string(verification.max_rel_error) + " (limit " +
           std::to_string(limit) + "), " + std::to_string(nonfinite) + " NaN/inf outputs over all runs";
  });

  const auto& chosen = plans->info(best);
  reply.details["engine"] = chosen.name;
  l2.describe(reply.details);
  reply.details["engine_heuristic_rank"] = chosen.heuristic_rank;
  reply.details["workspace_bytes"] = chosen.workspace_bytes;
  reply.details["workspace_limit_bytes"] = max_workspace;
  reply.details["plans_offered"] = plans->offered();
  reply.details["plans_tried"] = plans->size();
  nlohmann::json timings = nlohmann::json::array();
  for (const auto& t : tune.timings) {
    nlohmann::json entry{{"engine", plans->info(t.plan).name}};
    if (t.failure.empty())
      entry["median_ms"] = t.median_s * 1e3;
    else
      entry["failure"] = t.failure;
    timings.push_back(std::move(entry));
  }
  reply.details["autotune"] = std::move(timings);
  if (!plans->rejections().empty()) reply.details["plans_not_built"] = plans->rejections();
  // Which engines a faster framework figure may come from, and why gpucert does not credit them.
  if (!plans->excluded().empty()) {
    auto& excluded = reply.details["plans_excluded"] = nlohmann::json::array();
    for (const auto& e : plans->excluded())
      excluded.push_back({{"engine", e.name}, {"why", e.why}, {"numerical_notes", e.numerical_notes}});
  }
  reply.details["checked_per_run"] = verifier.samples();
  reply.details["reference_rms"] = verifier.reference_rms();
  reply.details["nonfinite_outputs"] = nonfinite;
  reply.details["launch_gate_timeouts"] = gate.timeouts();
  reply.details["launch_gate"] = launch_gate_enabled();
  return reply;
}

}  // namespace gpucert::kernels::conv

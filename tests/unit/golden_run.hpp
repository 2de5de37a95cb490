// The fixed run behind the junit.xml golden file and the HTML tests: two ranks (one without a driver),
// results of every status, a result from a container environment, and outside strings that try to break
// markup: a host name with quotes and angle brackets, messages with '&', '<', ANSI colour codes and bytes
// that are not UTF-8. Its checks are derived with floors given here, not with suites/thresholds.json, so
// editing that file never changes a golden file.
#pragma once

#include "core/conformance.hpp"
#include "core/thresholds.hpp"
#include "report_fixtures.hpp"

namespace gpucert::fixtures {

inline Thresholds golden_thresholds() {
  auto t = parse_thresholds(R"({"NVIDIA H100 80GB HBM3": {
      "stream/triad": {"min_GBps": 1905, "source": "DCGM memory_bandwidth default"},
      "stream/copy/fp64": {"min_GBps": 3100, "measured_GBps": 3200, "source": "a floor this run misses"}}})",
                            "golden-thresholds.json");
  return t ? *t : Thresholds{};
}

inline RunRecord golden_run() {
  auto run = empty_run();
  run.suite_name = "acceptance & <friends>";
  auto hostile = unusable_rank(1, "evil\"<host>&'");
  run.ranks = {usable_rank(0, "node-a"), hostile};
  const auto at = placement(0, "node-a");
  auto dot = stream_result("dot", "fp32", 1.4e-3, at, RunStatus::Failed);
  dot.reply.message = "dot = 1.07e+09 <> reference & \x1b[31mred\x1b[0m\nsecond line \xff\xfe";
  auto gemm_error = gemm_result("fp16", 700, at);
  gemm_error.reply.status = RunStatus::Error;
  gemm_error.reply.message = "CUBLAS_STATUS_EXECUTION_FAILED in cublasLtMatmul \"algo 3\"";
  auto fp8 = unavailable_result("gemm", "gemm/fp8/4096x4096x4096", "fp8 needs compute capability 8.9 or newer", at);
  fp8.reply.status = RunStatus::Waived;
  auto container = stream_result("copy", "fp64", 1.45e-3, at);
  container.environment = "cuda-13.0-runtime/oci";
  run.results = {stream_result("copy", "fp64", 1.43e-3, at),
                 stream_result("triad", "fp64", 2.12e-3, at),
                 dot,
                 gemm_result("bf16", 770, at),
                 gemm_error,
                 fp8,
                 unavailable_result("conv", "conv/fp16/n32c64h56w56k64r3s3p1u1",
                                    "libcudnn.so.9: cannot open shared object file: No such file or directory", at),
                 container};
  run.checks = conformance_checks(run, golden_thresholds());
  return run;
}

}  // namespace gpucert::fixtures

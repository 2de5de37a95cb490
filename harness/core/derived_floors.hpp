// Performance floors derived from the hardware itself, for any GPU suites/thresholds.json does not list
// (docs/HEALTH.md): memory bandwidth from the memory clock and bus width CUDA reports, GEMM throughput from
// SM count x peak SM clock x the architecture's dense rate per SM and clock. Each floor is a fraction of that
// peak, set below what a healthy GPU reaches (so a healthy one passes) and high enough that one running well
// short of its kind fails.
#pragma once

#include "result.hpp"

#include <optional>
#include <string>

#include "measurement.hpp"
#include "probe_report.hpp"
#include "thresholds.hpp"

namespace gpucert {

// Dense FLOP per SM per clock of `precision` ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8") on compute
// capability major.minor, from NVIDIA's architecture whitepapers; 0 where the table has no rate (an
// architecture it does not know, or a precision the architecture lacks).
double flop_per_sm_clock(int cc_major, int cc_minor, const std::string& precision);

// The floor of `m` on `device`, derived from the hardware as its workload's spec says (WorkloadSpec::floor_basis),
// with its source saying how; nullopt where the measurement has no derived floor (its spec gives no basis, an
// unknown rate) or CUDA did not describe the hardware (`why`, when given, says which).
std::optional<PerformanceFloor> derived_floor(const DeviceInfo& device, const Measurement& m,
                                              std::string* why = nullptr);

// The floor of a result whose kernel recorded the physical limit of the link it measured (details.limit_gbps: a
// copy between GPUs, or between host and GPU), when its workload names the fraction of that limit a healthy link
// reaches (WorkloadSpec::link_floor_fraction); nullopt otherwise.
std::optional<PerformanceFloor> link_floor(const ResultRecord& r);

// The physical limit of the link a result's kernel measured, as it recorded it (details.limit_gbps), when positive.
std::optional<double> recorded_link_limit_gbps(const ResultRecord& r);

}  // namespace gpucert

// The conformance checks of a run, derived from its record alone: pure functions, so each is tested without
// a GPU by building the record. These are the checks that apply to native runs; an image flavour's checks
// (library inventory, parity, devel, hygiene) are Checks of their own environment, added by their issue.
#pragma once

#include <string>
#include <vector>

#include "check.hpp"
#include "flavor_checks.hpp"
#include "run_record.hpp"
#include "thresholds.hpp"

namespace gpucert {

// The environment a result ran in: kNativeEnvironment or an EnvironmentRecord's name.
std::string environment_of(const ResultRecord& result);

// One per rank, natively and then in each container environment (RunRecord::environments): the rank's GPU
// is visible and usable (evidence: name, UUID, what the worker sees), or the doctor's diagnosis and fix.
std::vector<Check> gpu_visible_checks(const RunRecord& run);

// One per rank, natively and in each container environment: the driver's CUDA version is at least the
// runtime's (in a container, the image's), or minor-version compatibility covers the difference (same major, driver at
// least compat.hpp's minimum for it). Waived where a version is unknown: the rank's gpu-visible check already says why.
std::vector<Check> driver_runtime_alignment_checks(const RunRecord& run);

// One per rank and environment that ran something: every result verified; a failure names the
// measurements that failed or broke, with their messages.
std::vector<Check> results_verified_checks(const RunRecord& run);

// One per workload and environment the run asked for: available everywhere (pass, with the library
// versions the probe found), or waived with the loader's message as the evidence.
std::vector<Check> workload_availability_checks(const RunRecord& run);

// One per verified result with a floor: the GPU model's in `thresholds`, else one derived from the hardware
// (derived_floors.hpp; the evidence says which kind applied): the median figure is at least the floor. Only a
// rank whose GPU neither the table lists nor CUDA describes gets one waived check saying so.
std::vector<Check> performance_floor_checks(const RunRecord& run, const Thresholds& thresholds);

// Every check, in docs/ARCHITECTURE.md's order: gpu-visible, driver-runtime-alignment, library-inventory,
// results-verified, workload-availability, performance-floor, the health checks (health_checks.hpp),
// performance-peers, performance-parity, devel-compiles, image-hygiene, framework-alignment. The container
// checks (flavor_checks.hpp) add nothing to a run without environments. The two-argument form uses the
// embedded flavour catalogue, the host's architecture from the native probe and the run's recorded parity
// threshold (run.verdict_inputs), else the default.
std::vector<Check> conformance_checks(const RunRecord& run, const Thresholds& thresholds,
                                      const ConformanceContext& context);
std::vector<Check> conformance_checks(const RunRecord& run, const Thresholds& thresholds);

// Completes a run's verdict: its peer analysis (RunRecord::peers, which the checks and every report read) and
// its checks, each derived once.
void judge_run(RunRecord& run, const Thresholds& thresholds, const ConformanceContext& context);
void judge_run(RunRecord& run, const Thresholds& thresholds);

}  // namespace gpucert

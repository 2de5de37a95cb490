// Everything one `gpucert run` produced: who ran (ranks, hosts, GPUs, versions), what was asked, every
// result, and the verdict. report.json is this, versioned; the other reports render it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "check.hpp"
#include "devel_check.hpp"
#include "doctor.hpp"
#include "error.hpp"
#include "image_facts.hpp"
#include "probe_report.hpp"
#include "result.hpp"

namespace gpucert {

inline constexpr int kReportSchemaVersion = 1;

// Documented exit codes of every gpucert command.
enum ExitCode : int {
  kExitPassed = 0,          // every check passed
  kExitCheckFailed = 1,     // a verification failed, a measurement broke or a conformance check failed
  kExitBadInput = 2,        // bad usage or bad input (suite, options)
  kExitEnvironment = 3,     // the environment cannot run the suite (no GPU, no driver)
};

struct RankRecord {
  Placement placement;
  ProbeReport probe;
  bool usable = false;
  std::string problem;  // why this rank cannot run, when it cannot
  std::vector<Diagnosis> diagnoses;
  // NVML's view once the suite finished (the "before" is probe.health), with the critical events seen during
  // the run; absent when the run stopped first or the worker predates it (docs/HEALTH.md).
  std::optional<GpuHealthReport> health_after;
};

// A container environment of the run: one image (of a flavor, when it is one) under one runtime, and every
// rank's view from inside it. The native environment is RunRecord::ranks.
struct EnvironmentRecord {
  std::string name;     // unique in the run, never "native": the flavor ("runtime") or the image's name
  std::string runtime;  // "podman", "oci", ... (runtime/environment.hpp)
  std::string image;    // the reference, or the root filesystem for oci
  std::string flavor;   // "base", "runtime", "runtime-cudnn", "devel"; empty when the image is no flavor
  std::vector<RankRecord> ranks;  // the probe of each rank's worker in this environment
  // What the image says about itself (podman image inspect, or the builder's image-config.json), when known:
  // the image-hygiene check's input.
  std::optional<ImageFacts> image_facts;
  // The worker's devel_check reply (WorkerClient::devel_check), for the devel flavour: the devel-compiles
  // check's input.
  std::optional<DevelCheckReply> devel_check;
};

struct BuildInfo {
  std::string version;        // gpucert version
  std::string git;            // commit, when known
  int cuda_build_version = 0; // toolkit the worker was built with
  std::string architectures;  // CUDA architectures compiled in
};

struct RunRecord {
  BuildInfo build;
  std::string suite_name;
  std::string suite_source;
  std::string started;   // ISO 8601 UTC
  std::string finished;
  std::string command;   // how it was started, for the record
  std::vector<RankRecord> ranks;               // the native environment
  std::vector<EnvironmentRecord> environments; // container environments, in the order they were asked for
  std::vector<ResultRecord> results;
  // Conformance checks, once derived (conformance.hpp) by whoever completes the record; a failed one fails
  // the run like a failed result.
  std::vector<Check> checks;

  [[nodiscard]] int exit_code() const;
  [[nodiscard]] std::string verdict() const;  // one sentence
};

nlohmann::json to_json(const RankRecord& rank);
// Diagnoses are recomputed from the probe, when a worker answered it (probe.worker_version is set).
Outcome<RankRecord> rank_record_from_json(const nlohmann::json& j);
nlohmann::json to_json(const EnvironmentRecord& environment);
Outcome<EnvironmentRecord> environment_record_from_json(const nlohmann::json& j);
// "checks" (and the verdict's check counts) appear only when the record holds checks.
nlohmann::json to_json(const RunRecord& run);

// Now as "2026-11-25T18:01:58Z".
std::string utc_timestamp();

}  // namespace gpucert

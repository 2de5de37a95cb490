// Everything one `gpucert run` produced: who ran (ranks, hosts, GPUs, versions), what was asked, every
// result, and the verdict. report.json is this, versioned; the other reports render it.
#pragma once

#include <map>
#include <memory>
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
#include "verdict_inputs.hpp"

namespace gpucert {

struct OutlierAnalysis;

inline constexpr int kReportSchemaVersion = 1;

// Documented exit codes of every gpucert command.
enum ExitCode : int {
  kExitPassed = 0,         // every check passed
  kExitCheckFailed = 1,    // a verification failed, a measurement broke or a conformance check failed
  kExitBadInput = 2,       // bad usage or bad input (suite, options)
  kExitEnvironment = 3,    // the environment cannot run the suite (no GPU, no driver)
  kExitIncomplete = 4,     // nothing failed, but measurements of the suite are missing: `--resume` completes it
  kExitInterrupted = 130,  // SIGINT stopped `gpucert run` (the partial reports are written; 143: SIGTERM)
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
  std::string name;               // unique in the run, never "native": the flavor ("runtime") or the image's name
  std::string runtime;            // "podman", "oci", ... (runtime/environment.hpp)
  std::string image;              // the reference, or the root filesystem for oci
  std::string flavor;             // "base", "runtime", "runtime-cudnn", "devel"; empty when the image is no flavor
  std::vector<RankRecord> ranks;  // the probe of each rank's worker in this environment
  // What the image says about itself (podman image inspect, or the builder's image-config.json), when known:
  // the image-hygiene check's input.
  std::optional<ImageFacts> image_facts;
  // The worker's devel_check reply (WorkerClient::devel_check), for the devel flavour: the devel-compiles
  // check's input.
  std::optional<DevelCheckReply> devel_check;
};

struct BuildInfo {
  std::string version;         // gpucert version
  std::string git;             // commit, when known
  int cuda_build_version = 0;  // toolkit the worker was built with
  std::string architectures;   // CUDA architectures compiled in
};

// Which of the suite's measurements have no result yet, for every (environment, rank) that can run them.
struct Completeness {
  std::size_t planned = 0;            // measurements in the suite
  std::size_t incomplete = 0;         // of those, without a result on some rank or environment that can run them
  std::size_t never_started = 0;      // of those, without any result at all
  std::size_t results_missing = 0;    // (measurement, environment, rank) results expected and absent
  std::vector<std::string> examples;  // the first few incomplete measurement ids
  [[nodiscard]] bool complete() const { return incomplete == 0; }
};

struct RunRecord {
  BuildInfo build;
  std::string run_id;  // run.json's "run": every result line of this run carries it
  std::string suite_name;
  std::string suite_source;
  std::string started;  // ISO 8601 UTC
  std::string finished;
  std::string command;                          // how it was started, for the record
  std::vector<RankRecord> ranks;                // the native environment
  std::vector<EnvironmentRecord> environments;  // container environments, in the order they were asked for
  std::vector<ResultRecord> results;
  // Conformance checks, once derived (conformance.hpp) by whoever completes the record; a failed one fails
  // the run like a failed result.
  std::vector<Check> checks;
  // The GPUs, nodes and node pairs that stand out among their peers (outliers.hpp), derived once with the
  // checks (judge_run, conformance.hpp): the checks, report.json, report.md, report.html and nodes.json all read it.
  // Null until then (peers_of derives it on the spot).
  std::shared_ptr<const OutlierAnalysis> peers;
  // The suite's measurement ids, in plan order: what a complete run has a result of. Empty where unknown (a
  // folder written before runs recorded their plan); then no completeness is judged.
  std::vector<std::string> plan;
  // What the verdict is judged by, when the run recorded it (verdict_inputs.hpp).
  std::optional<VerdictInputs> verdict_inputs;
  // What reading the results found wrong: lines of another run, duplicates, unknown ranks (each skipped).
  std::vector<std::string> warnings;
  // "SIGINT" or "SIGTERM" when a signal stopped the run before its end.
  std::string interrupted;

  [[nodiscard]] Completeness completeness() const;
  [[nodiscard]] int exit_code() const;
  [[nodiscard]] std::string verdict() const;  // one sentence, "INCOMPLETE: ..." first when measurements lack results

 private:
  [[nodiscard]] std::string verdict_of_results() const;
};

nlohmann::json to_json(const RankRecord& rank);
// Diagnoses are recomputed from the probe, when a worker answered it (probe.worker_version is set).
Outcome<RankRecord> rank_record_from_json(const nlohmann::json& j);
nlohmann::json to_json(const EnvironmentRecord& environment);
Outcome<EnvironmentRecord> environment_record_from_json(const nlohmann::json& j);
// "checks" (and the verdict's check counts) appear only when the record holds checks.
nlohmann::json to_json(const RunRecord& run);
// The same with an empty "results" array: what a writer streams the results into, one at a time, so that a
// cluster's report.json is never one tree in memory.
nlohmann::json report_head_json(const RunRecord& run);

// Each rank's results, in every environment, in record order. One pass, for code that judges or renders rank by
// rank: a scan of every result for each rank is quadratic (a 1024-rank acceptance run has 370,000 results).
using ResultsByRank = std::map<int, std::vector<const ResultRecord*>>;
ResultsByRank results_by_rank(const RunRecord& run);
// One rank's results from that index; empty for a rank without any.
const std::vector<const ResultRecord*>& results_of_rank(const ResultsByRank& by_rank, int rank);

// Now as "2026-11-25T18:01:58Z".
std::string utc_timestamp();

}  // namespace gpucert

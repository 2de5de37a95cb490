// `gpucert run` across all ranks: every rank runs the plan on its GPU in step with the others, the root
// logs each result as it arrives and writes the reports at the end.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/run_record.hpp"
#include "core/suite.hpp"
#include "core/thresholds.hpp"
#include "mpi_world.hpp"
#include "progress.hpp"
#include "runtime/environment_plan.hpp"
#include "runtime/launchers.hpp"
#include "runtime/worker_builds.hpp"

namespace gpucert::coordinator {

struct SessionOptions {
  std::string worker_path;
  std::vector<runtime::WorkerBuild> workers;  // one per CUDA major, for the images (runtime/worker_builds.hpp)
  std::filesystem::path out_dir;              // meaningful at the root
  std::uint64_t seed = 1;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  // How long a rank's NCCL waits on the other ranks (communicator set-up, each batch of collectives) before it
  // aborts its communicator; below `timeout`, so that the worker answers before it is killed.
  std::chrono::seconds nccl_timeout{300};
  std::string command_line;
  BuildInfo build;
  Thresholds thresholds = embedded_thresholds();  // the floors of the performance-floor check
  // Container environments compared with native (`--flavors`, `--image`), and how to start them.
  std::vector<runtime::EnvironmentChoice> environments;
  runtime::RuntimeOptions runtime;
  std::filesystem::path scratch_dir;  // oci bundles, made and removed per worker
  // With environments: each measurement's repetitions are split into this many rounds, and every round runs
  // in every environment in turn, starting one further each round (native, base, runtime; base, runtime,
  // native; ...), so that drift of clocks and temperature falls on all of them alike.
  int rounds = 5;
  // `--resume`: out_dir is a run that stopped. Its run.json must name the same suite and options; the measurements
  // results.jsonl already holds for every rank and environment are not run again, the others are appended there,
  // and the reports cover both.
  bool resume = false;
  // Non-empty: every rank appends its full records (with every sample) to <dir>/<host>/rank-<rank>.jsonl on its
  // own node, and gathers only their summaries at the root (docs/CLUSTER.md, what stays on the nodes).
  std::filesystem::path samples_on_nodes;
  // What the verdict is judged by (verdict_inputs.hpp), recorded in run.json and report.json.
  VerdictInputs verdict_inputs;
  // The `gpucert run` options as run.json keeps them, so that `--resume DIR` alone continues the run.
  nlohmann::json run_options = nlohmann::json::object();
  // A GPU (one rank in one environment) whose measurements crash or time out this many times in a row is given up:
  // its remaining measurements are recorded as not run, with the reason, instead of burning the rest of the suite.
  int give_up_after = 3;
  // Set, when not null, to whether the reports were written (a full disk may prevent it).
  bool* reports_written = nullptr;
};

// Collective. Returns the exit code, the same on every rank: run_record.hpp's, or 128 + the signal's number when
// SIGINT or SIGTERM stopped it (the partial reports are written first), or kExitBadInput when results.jsonl could
// not be written (the run stops there).
int run_session(const MpiWorld& world, const Suite& suite, const SessionOptions& options, ProgressSink& progress);

}  // namespace gpucert::coordinator

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "commands.hpp"
#include "coordinator/mpi_world.hpp"
#include "coordinator/run_session.hpp"
#include "core/flavors.hpp"
#include "core/suite.hpp"
#include "runtime/environment_plan.hpp"
#include "runtime/worker_builds.hpp"
#include "progress_display.hpp"
#include "run_options.hpp"
#include "runtime/stop_signal.hpp"
#include "suite_source.hpp"
#include "thresholds_file.hpp"

namespace gpucert::cli {
namespace {

std::string default_out_dir() {
  std::string stamp = utc_timestamp();  // 2026-11-25T18:01:58Z -> 20261125T180158Z
  std::string compact;
  for (char c : stamp)
    if (c != '-' && c != ':') compact += c;
  return "gpucert-out/run-" + compact;
}

BuildInfo build_info() {
  return BuildInfo{GPUCERT_VERSION, GPUCERT_GIT, GPUCERT_CUDA_BUILD_VERSION, GPUCERT_CUDA_ARCHITECTURES};
}

}  // namespace

std::string worker_path() {
  if (const char* path = std::getenv("GPUCERT_WORKER"); path && *path) return path;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ((ec ? std::filesystem::path(".") : self.parent_path()) / "gpucert-worker").string();
}

// The text of DIR/run.json of the run `--resume DIR` continues; empty when there is none (prepare_out_dir then
// says so).
std::string stored_run_text(const std::string& dir) {
  std::ifstream in(std::filesystem::path(dir) / "run.json", std::ios::binary);
  if (!in) return {};
  std::string text(1u << 24, '\0');  // run.json is a few KiB: a bounded read
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

int command_run(const RunArgs& given_args, int* argc, char*** argv) {
  coordinator::MpiWorld world(argc, argv);
  ProgressDisplay progress(stderr);
  runtime::install_stop_signals();

  // `--resume DIR` alone: the suite and the options come from the run that stopped there.
  RunArgs args = given_args;
  // The root reads it (other hosts may not see the folder) and every rank takes the same options.
  const auto stored_text =
      world.broadcast(world.root() && !args.resume.empty() ? stored_run_text(args.resume) : std::string());
  auto stored = nlohmann::json::parse(stored_text, nullptr, false);
  if (!stored.is_object()) stored = nullptr;
  std::string problem;
  if (stored.is_object() && stored.contains("options"))
    if (auto s = take_stored_options(stored["options"], args); !s) problem = s.error().message;

  // The root reads and checks the suite; every rank parses the same text, so all agree on the plan.
  std::string text, source;
  if (world.root() && problem.empty()) {
    const bool stored_suite = !args.given.count("suite") && stored.is_object() &&
                              stored.value("suite_document", nlohmann::json()).is_object();
    // The suite as the run recorded it, under the source it was read from (the digest then agrees).
    const auto stored_source = [&] {
      const auto it = stored.find("suite");
      return it != stored.end() && it->is_object() && it->contains("source") && (*it)["source"].is_string()
                 ? (*it)["source"].get<std::string>()
                 : std::string("run.json");
    };
    auto read = stored_suite ? Outcome<SuiteText>(SuiteText{stored["suite_document"].dump(), stored_source()})
                : args.suite.empty()
                    ? Outcome<SuiteText>(SuiteText{std::string(embedded_quick_suite()), "embedded:quick"})
                    : read_suite(args.suite);
    if (read) {
      text = read->text;
      source = read->source;
    } else {
      problem = read.error().message;
    }
  }
  problem = world.broadcast(problem);
  if (!problem.empty()) {
    if (world.root()) std::fprintf(stderr, "gpucert: %s\n", problem.c_str());
    return kExitBadInput;
  }
  text = world.broadcast(text);
  source = world.broadcast(source);
  auto suite = parse_suite(text, source);
  if (!suite) {
    if (world.root()) std::fprintf(stderr, "gpucert: the suite is not valid:\n%s\n", suite.error().message.c_str());
    return kExitBadInput;
  }

  // A resumed run is judged by the floors it started with, unless --thresholds is given again.
  auto thresholds = load_thresholds(args.thresholds);
  if (!args.given.count("thresholds") && stored.is_object() && stored.contains("verdict_inputs") &&
      !stored["verdict_inputs"].is_null()) {
    auto inputs = verdict_inputs_from_json(stored["verdict_inputs"]);
    thresholds = inputs ? thresholds_of(*inputs) : Outcome<Thresholds>(inputs.error());
  }
  if (!thresholds) {
    if (world.root()) std::fprintf(stderr, "gpucert: %s\n", thresholds.error().message.c_str());
    return kExitBadInput;
  }

  // The container environments, checked before anything starts.
  std::vector<runtime::EnvironmentChoice> environments;
  {
    runtime::EnvironmentRequest request;
    auto kind = runtime::parse_runtime_kind(args.runtime);
    std::string bad;
    if (!kind) {
      bad = "--runtime: " + kind.error().message;
    } else {
      request.runtime = *kind;
      // The command line's flavors and CUDA versions, else the suite's.
      request.flavors = args.flavors.empty() ? suite->flavors : args.flavors;
      request.cuda_versions =
          args.flavors.empty() && args.cuda_versions.empty() ? suite->cuda_versions : args.cuda_versions;
      request.image_prefix = args.image_prefix;
      request.cuda_version = !args.cuda_version.empty()      ? args.cuda_version
                             : request.cuda_versions.empty() ? format_cuda_version(GPUCERT_CUDA_BUILD_VERSION)
                                                             : std::string();
      request.os = args.os;
      request.images = args.images;
      const auto& catalog = embedded_flavor_catalog();
      auto planned =
          runtime::plan_environments(request, catalog ? catalog->flavor_names() : std::vector<std::string>{});
      if (planned)
        environments = std::move(*planned);
      else
        bad = planned.error().message;
    }
    if (!bad.empty()) {
      if (world.root()) std::fprintf(stderr, "gpucert: %s\n", bad.c_str());
      return kExitBadInput;
    }
  }

  coordinator::SessionOptions options;
  options.environments = std::move(environments);
  options.rounds = args.rounds;
  options.samples_on_nodes = args.samples_on_nodes;
  options.scratch_dir = args.scratch.empty() ? std::filesystem::temp_directory_path() / "gpucert-bundles"
                                             : std::filesystem::path(args.scratch);
  options.worker_path = worker_path();
  options.verdict_inputs = make_verdict_inputs(*thresholds, suite->parity_threshold);
  {
    const char* named = std::getenv("GPUCERT_WORKERS");
    auto builds = runtime::find_worker_builds(options.worker_path, GPUCERT_CUDA_BUILD_VERSION, named ? named : "");
    if (!builds) {
      if (world.root()) std::fprintf(stderr, "gpucert: %s\n", builds.error().message.c_str());
      return kExitBadInput;
    }
    options.workers = std::move(*builds);
  }
  options.thresholds = std::move(*thresholds);
  options.run_options = to_json(args);
  // --resume names the folder; --out beside it may only say the same.
  if (!args.resume.empty() && !args.out.empty()) {
    std::error_code ec1, ec2;
    const auto resume_dir = std::filesystem::weakly_canonical(args.resume, ec1);
    const auto out_dir = std::filesystem::weakly_canonical(args.out, ec2);
    if (ec1 || ec2 || resume_dir != out_dir) {
      if (world.root())
        std::fprintf(stderr, "gpucert: --out %s is not the folder --resume %s continues; give --resume alone\n",
                     args.out.c_str(), args.resume.c_str());
      return kExitBadInput;
    }
  }
  options.resume = !args.resume.empty();
  options.out_dir = world.broadcast(options.resume ? args.resume : args.out.empty() ? default_out_dir() : args.out);
  options.seed = args.seed;
  options.timeout = std::chrono::seconds(args.timeout_s);
  // NCCL must give up before its worker is killed, or the worker's own account of the hang is lost.
  const int nccl_timeout_s = args.nccl_timeout_s ? args.nccl_timeout_s : std::max(1, args.timeout_s / 2);
  if (nccl_timeout_s >= args.timeout_s) {
    if (world.root())
      std::fprintf(stderr, "gpucert: --nccl-timeout (%d s) must be below --timeout (%d s)\n", nccl_timeout_s,
                   args.timeout_s);
    return kExitBadInput;
  }
  options.nccl_timeout = std::chrono::seconds(nccl_timeout_s);
  // The longest deadline of any measurement (the suite may give its own) plus time to gather.
  int longest_s = args.timeout_s;
  for (const auto& m : suite->plan) longest_s = std::max(longest_s, m.timeout_s);
  world.set_rank_timeout(std::chrono::seconds(args.rank_timeout_s ? args.rank_timeout_s : longest_s + 300));
  options.command_line = args.command_line;
  options.build = build_info();
  if (world.root())
    std::fprintf(stderr, "gpucert %s: suite '%s' (%zu measurements) on %d rank(s)%s, results %s %s\n", GPUCERT_VERSION,
                 suite->name.c_str(), suite->plan.size(), world.size(),
                 options.environments.empty()
                     ? ""
                     : (", native and " + std::to_string(options.environments.size()) +
                        " container environment(s) in " + std::to_string(options.rounds) + " interleaved rounds")
                           .c_str(),
                 options.resume ? "added to the run in" : "in", options.out_dir.c_str());

  bool reports_written = false;
  options.reports_written = &reports_written;
  const int code = coordinator::run_session(world, *suite, options, progress);
  if (world.root()) {
    // Only a report that was written is named (bad input, a full disk, may have prevented it).
    if (reports_written)
      std::fprintf(stderr, "\nreport: %s/report.html (and report.md, report.json, junit.xml, results.jsonl)\n",
                   options.out_dir.c_str());
    if (code > 128)
      std::fprintf(stderr, "gpucert: stopped by %s; continue the run with: gpucert run --resume %s\n",
                   runtime::signal_name(code - 128).c_str(), options.out_dir.c_str());
    std::fprintf(stderr, "exit code %d\n", code);
  }
  return code;
}

}  // namespace gpucert::cli

#include "run_session.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/conformance.hpp"
#include "environment_setup.hpp"
#include "health_after.hpp"
#include "interleave.hpp"
#include "nccl_rendezvous.hpp"
#include "rank_setup.hpp"
#include "rank_stall.hpp"
#include "reports/report_files.hpp"
#include "reports/run_folder.hpp"
#include "results_log.hpp"
#include "resume.hpp"
#include "test_faults.hpp"

namespace gpucert::coordinator {
namespace {

// One environment on this rank: native, or a container of the run.
struct EnvironmentSlot {
  std::string name;
  const RankRecord* record = nullptr;        // this rank's, in this environment
  runtime::WorkerClient* worker = nullptr;   // null when it is not running
  const std::vector<RankRecord>* ranks = nullptr;  // every rank's record here (meaningful at the root)
  NcclSession nccl;
};

// The root's account of one container environment: the ranks' probes, and what the image says of itself.
EnvironmentRecord describe_environment(ContainerSetup& mine, std::vector<RankRecord> ranks,
                                       const SessionOptions& options, ProgressSink& progress) {
  const auto& choice = mine.choice;
  EnvironmentRecord e{choice.name, std::string(runtime::to_string(choice.runtime)), choice.image, choice.flavor,
                      std::move(ranks), mine.image_facts, std::nullopt};
  if (!mine.image_note.empty()) progress.message("gpucert: " + choice.name + ": " + mine.image_note);
  // nvcc inside the image compiles and runs a kernel: the devel flavor's promise, checked once per run.
  if (choice.flavor == "devel" && mine.worker) e.devel_check = mine.worker->client().devel_check(options.timeout);
  std::size_t usable = 0;
  for (const auto& r : e.ranks) usable += r.usable ? 1 : 0;
  progress.message("gpucert: environment " + e.name + " (" + e.runtime + " " + e.image + "): " +
                   std::to_string(usable) + " of " + std::to_string(e.ranks.size()) + " rank(s) can run" +
                   (usable == e.ranks.size() || e.ranks.empty() ? "" : "; " + e.ranks.front().problem));
  return e;
}

RunIdentity identity_of(const MpiWorld& world, const Suite& suite, const SessionOptions& options,
                        const std::string& started) {
  RunIdentity id;
  id.suite_name = suite.name;
  id.suite_source = suite.source;
  id.suite_digest = text_digest(suite.document.dump());
  id.seed = options.seed;
  id.ranks = world.size();
  id.rounds = options.rounds;
  for (const auto& c : options.environments)
    id.environments.push_back(c.name + " (" + std::string(runtime::to_string(c.runtime)) + " " + c.image + ")");
  id.gpucert_version = options.build.version;
  id.command = options.command_line;
  id.started = started;
  return id;
}

// At the root, before anything runs. A fresh run records what it is in run.json; a resumed one checks that it
// continues the run in out_dir and takes that run's results so far into `run`. Returns the problem, if any.
std::string prepare_out_dir(const RunIdentity& now, const SessionOptions& options, RunRecord& run,
                            ProgressSink& progress) {
  const auto& dir = options.out_dir;
  const auto identity_path = dir / "run.json";
  std::error_code ec;
  if (!options.resume) {
    std::filesystem::create_directories(dir, ec);
    if (auto s = reports::write_file_atomically(identity_path, reports::json_text(to_json(now), 2)); !s)
      return s.error().describe();
    return {};
  }
  if (!std::filesystem::is_directory(dir, ec)) return "--resume " + dir.string() + ": no such folder";
  std::ifstream in(identity_path, std::ios::binary);
  if (!in)
    return "--resume: " + identity_path.string() + " is missing: " + dir.string() +
           " is not a run this gpucert can resume (a run records what it is there when it starts)";
  std::ostringstream text;
  text << in.rdbuf();
  auto stored = run_identity_from_json(nlohmann::json::parse(text.str(), nullptr, false));
  if (!stored) return "--resume: " + identity_path.string() + ": " + stored.error().message;
  if (const auto differences = identity_differences(*stored, now); !differences.empty()) {
    std::string message = "cannot resume " + dir.string() + ": this is not the run that stopped there:";
    for (const auto& d : differences) message += "\n  - " + d;
    message += "\n  it was started as: " + stored->command;
    return message;
  }
  const auto log_path = dir / "results.jsonl";
  if (std::filesystem::file_size(log_path, ec) > 0 && !ec) {
    auto folder = reports::read_run_folder(dir);
    if (!folder) return "cannot resume " + dir.string() + ": " + folder.error().message;
    for (const auto& w : folder->warnings) progress.message("gpucert: " + w);
    run.results = std::move(folder->run.results);
  }
  return {};
}

}  // namespace

int run_session(const MpiWorld& world, const Suite& suite, const SessionOptions& options, ProgressSink& progress) {
  RunRecord run;
  run.build = options.build;
  run.suite_name = suite.name;
  run.suite_source = suite.source;
  run.command = options.command_line;
  run.started = utc_timestamp();

  // The root opens the log first: if it cannot write there (or a resumed run is not the one that stopped
  // there), nobody should spend GPU time.
  std::optional<ResultsLog> log;
  std::string problem;
  if (world.root()) {
    problem = prepare_out_dir(identity_of(world, suite, options, run.started), options, run, progress);
    if (problem.empty()) {
      auto created = ResultsLog::create(options.out_dir / "results.jsonl");
      if (created) log.emplace(std::move(*created));
      else problem = created.error().describe();
    }
  }
  if (problem = world.broadcast(problem); !problem.empty()) {
    if (world.root()) progress.message("gpucert: " + problem);
    return kExitBadInput;
  }
  // At the root: what the interrupted run recorded (nothing, for a fresh run), never recorded twice.
  const RecordedResults recorded(run.results);
  auto append = [&](const std::string& line) {
    if (auto s = log->append(line); !s) progress.message("gpucert: " + s.error().describe());
  };

  // A rank that stops answering: the root records what it has and ends the job (rank_stall.hpp).
  std::vector<Measurement> unfinished;
  bool gathering_results = false;
  const MpiWorld::StallHandler give_up = [&](const MpiWorld::Stall& stall) {
    return give_up_on_ranks(run, stall, unfinished, gathering_results, log ? &*log : nullptr, options.out_dir,
                            progress);
  };

  auto setup = setup_rank(world, options.worker_path, options.timeout);
  test_fault_point(world, "setup");
  run.ranks = gather_ranks(world, setup.record);
  if (world.root()) progress.ranks_ready(run.ranks);
  // The rank table beside results.jsonl at once, so `gpucert report` can render a run that never finishes.
  if (world.root())
    if (auto s = reports::write_ranks(run.ranks, options.out_dir); !s)
      progress.message("gpucert: " + s.error().describe());

  // Every container environment, each rank's worker in it beside its native one.
  std::vector<ContainerSetup> containers;
  std::vector<std::vector<RankRecord>> container_ranks;  // at the root: the gathered records, per environment
  const ContainerOptions container_options{options.worker_path, options.runtime, options.scratch_dir, options.timeout,
                                           options.build.cuda_build_version};
  for (const auto& choice : options.environments) {
    containers.push_back(setup_container_rank(world, choice, setup.record, container_options));
    container_ranks.push_back(gather_ranks(world, containers.back().record));
    if (world.root())
      run.environments.push_back(describe_environment(containers.back(), container_ranks.back(), options, progress));
  }
  if (world.root() && !run.environments.empty())
    if (auto s = reports::write_environments(run.environments, options.out_dir); !s)
      progress.message("gpucert: " + s.error().describe());

  std::vector<EnvironmentSlot> slots;
  slots.push_back({std::string(kNativeEnvironment), &setup.record, setup.worker ? &*setup.worker : nullptr,
                   &run.ranks, {}});
  for (std::size_t c = 0; c < containers.size(); ++c)
    slots.push_back({containers[c].choice.name, &containers[c].record,
                     containers[c].worker ? &containers[c].worker->client() : nullptr, &container_ranks[c], {}});

  for (const auto& m : suite.plan)
    if (m.workload == "nccl") unfinished.push_back(m);
  for (std::size_t e = 0; e < slots.size(); ++e) {
    auto& slot = slots[e];
    const auto& ranks = *slot.ranks;
    slot.nccl = nccl_rendezvous(world, suite.plan, *slot.record, slot.worker, ranks, options.nccl_timeout,
                                options.timeout, give_up, progress, e == 0 ? "" : slot.name);
    if (world.root())
      for (auto& r : nccl_not_run(slot.nccl, suite.plan, ranks)) {
        r.environment = slot.name;
        if (recorded.contains(r)) continue;
        append(to_json(r).dump());
        run.results.push_back(std::move(r));
      }
  }

  // With no usable GPU anywhere there is nothing to measure; the report says why.
  int any_usable = 0;
  for (const auto& r : run.ranks) any_usable |= r.usable ? 1 : 0;
  const std::size_t total = world.broadcast(any_usable) ? suite.plan.size() : 0;

  // Resumed: a measurement is done when every rank that records it this time, in every environment, already
  // has its record. All ranks must run a measurement together (NCCL), so the root decides for all of them.
  std::vector<bool> done(suite.plan.size(), false);
  if (options.resume) {
    std::string decided;
    if (world.root()) {
      for (std::size_t i = 0; i < suite.plan.size(); ++i) {
        const auto& m = suite.plan[i];
        std::vector<ExpectedResults> expected;
        for (std::size_t e = 0; e < slots.size(); ++e) {
          ExpectedResults x{slots[e].name, {}};
          // A rank without a usable GPU here records nothing, except the reason NCCL did not run.
          for (const auto& r : *slots[e].ranks)
            if (r.usable || !slots[e].nccl.runs(m)) x.ranks.push_back(r.placement.rank);
          expected.push_back(std::move(x));
        }
        done[i] = measurement_done(m.id, expected, recorded);
      }
      decided = encode_done(done);
    }
    done = decode_done(world.broadcast(decided), suite.plan.size());
    done.resize(suite.plan.size(), false);
    if (world.root())
      progress.message("resuming: " + std::to_string(std::count(done.begin(), done.end(), true)) + " of " +
                       std::to_string(suite.plan.size()) + " measurements already done");
  }
  std::size_t to_run = 0, position = 0;  // for the progress display: the measurements this run does
  for (std::size_t i = 0; i < total; ++i) to_run += done[i] ? 0 : 1;

  for (std::size_t i = 0; i < total; ++i) {
    if (done[i]) continue;
    const auto& m = suite.plan[i];
    if (world.root()) progress.measurement_started(position, to_run, m);
    // Native alone runs its repetitions at once; beside containers they are split into interleaved rounds.
    const auto parts = slots.size() > 1 ? round_repetitions(m.repetitions, options.rounds)
                                        : std::vector<int>{m.repetitions};
    std::vector<RunReply> replies(slots.size());
    std::vector<bool> ran(slots.size(), false);
    for (std::size_t round = 0; round < parts.size(); ++round)
      for (const auto e : round_order(slots.size(), round)) {
        auto& slot = slots[e];
        if (!slot.nccl.runs(m) || !slot.record->usable || !slot.worker) continue;
        Measurement part = m;
        part.repetitions = parts[round];
        // Same seed on every rank and in every environment: identical inputs, comparable results.
        merge_round(replies[e], !ran[e], slot.worker->run(part, slot.record->placement.device, options.seed + i,
                                                         options.timeout));
        ran[e] = true;
      }
    unfinished = {m};
    gathering_results = true;
    test_fault_point(world, "measurement:" + std::to_string(i));
    std::vector<ResultRecord> arrived;
    for (std::size_t e = 0; e < slots.size(); ++e) {
      if (!slots[e].nccl.runs(m)) continue;  // recorded above, with the reason
      std::string mine;
      if (ran[e]) {
        auto record = make_record(m, slots[e].record->placement, std::move(replies[e]));
        record.environment = slots[e].name;
        mine = to_json(record).dump();
      }
      const auto all = world.gather(mine, give_up);
      if (!world.root()) continue;
      for (const auto& text : all) {
        if (text.empty()) continue;  // a rank without a usable GPU here; the rank tables say why
        auto record = result_from_json(nlohmann::json::parse(text, nullptr, false));
        if (!record) {
          progress.message("gpucert: a result did not arrive intact: " + record.error().describe());
          continue;
        }
        // A measurement the interrupted run left half recorded: the records it has stay, the missing ones join.
        if (recorded.contains(*record)) continue;
        append(text);
        arrived.push_back(std::move(*record));
      }
    }
    if (!world.root()) continue;
    progress.measurement_finished(position++, to_run, arrived);
    for (auto& r : arrived) run.results.push_back(std::move(r));
  }
  record_health_after(world, setup.worker ? &*setup.worker : nullptr, run.ranks, options.timeout, give_up);
  if (world.root()) (void)reports::write_ranks(run.ranks, options.out_dir);  // with the "after", for `gpucert report`
  if (setup.worker) setup.worker->quit();
  for (auto& c : containers)
    if (c.worker) c.worker->stop();

  int code = kExitPassed;
  if (world.root()) {
    run.finished = utc_timestamp();
    ConformanceContext context;
    context.parity_threshold = suite.parity_threshold.value_or(kDefaultParityThreshold);
    run.checks = conformance_checks(run, options.thresholds, context);
    code = run.exit_code();
    if (auto s = reports::write_reports(run, options.out_dir); !s) {
      progress.message("gpucert: " + s.error().describe());
      code = code == kExitPassed ? kExitCheckFailed : code;
    }
  }
  return world.broadcast(code);
}

}  // namespace gpucert::coordinator

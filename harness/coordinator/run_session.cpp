#include "run_session.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/conformance.hpp"
#include "core/nccl_split.hpp"
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
#include "runtime/host_pid.hpp"
#include "runtime/stop_signal.hpp"
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
  int breaks_in_a_row = 0;  // measurements that crashed or timed out, one after the other
  std::string given_up;     // why this GPU runs nothing more, once it is given up
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
  id.run_id = new_run_id();
  for (const auto& m : suite.plan) id.plan.push_back(m.id);
  id.verdict_inputs = to_json(options.verdict_inputs);
  id.suite_document = suite.document;
  id.options = options.run_options;
  id.suite_name = suite.name;
  id.suite_source = suite.source;
  id.suite_digest = text_digest(suite.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
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
    // A folder that holds a run already is that run's: adding another one's results would mix two runs in one
    // report.
    const auto logged = std::filesystem::file_size(dir / "results.jsonl", ec);
    const bool has_results = !ec && logged > 0;
    if (std::filesystem::exists(identity_path, ec) || has_results) {
      std::string what = "a run";
      if (std::ifstream in{identity_path, std::ios::binary}) {
        std::ostringstream text;
        text << in.rdbuf();
        if (auto stored = run_identity_from_json(nlohmann::json::parse(text.str(), nullptr, false)))
          what = "the run of suite '" + stored->suite_name + "' started " + stored->started;
      }
      return dir.string() + " already holds " + what + ": continue it with `gpucert run --resume " + dir.string() +
             "`, or give a new --out folder";
    }
    std::filesystem::create_directories(dir, ec);
    if (auto s = reports::write_file_atomically(identity_path, reports::json_text(to_json(now), 2)); !s)
      return s.error().describe();
    run.run_id = now.run_id;
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
  // The run goes on under its own id; one recorded before runs had ids gets one now.
  run.run_id = stored->run_id.empty() ? now.run_id : stored->run_id;
  if (stored->run_id.empty()) {
    auto updated = *stored;
    updated.run_id = run.run_id;
    if (auto s = reports::write_file_atomically(identity_path, reports::json_text(to_json(updated), 2)); !s)
      return s.error().describe();
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
  for (const auto& m : suite.plan) run.plan.push_back(m.id);
  run.verdict_inputs = options.verdict_inputs;

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
  // A write that fails stops the run: what is in results.jsonl stays valid, nothing more is measured unrecorded.
  std::string log_failure;
  auto append = [&](const std::string& line) {
    if (!log_failure.empty()) return;
    if (auto s = log->append(line); !s) {
      log_failure = s.error().describe();
      progress.message("gpucert: " + log_failure + "; the run stops here");
    }
  };
  // At the root: a result joins results.jsonl and the record, stamped with the run's id; one that takes the place of
  // an attempt that broke carries that attempt's history.
  auto record_result = [&](ResultRecord r) {
    r.run_id = run.run_id;
    for (auto it = run.results.begin(); it != run.results.end(); ++it)
      if (it->measurement.id == r.measurement.id && it->environment == r.environment &&
          it->placement.rank == r.placement.rank) {
        carry_attempts(*it, r);
        run.results.erase(it);
        break;
      }
    append(to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    run.results.push_back(std::move(r));
  };

  // Where this rank keeps its samples, when they stay on the nodes.
  std::optional<ResultsLog> node_log;
  if (!options.samples_on_nodes.empty()) {
    const auto dir = options.samples_on_nodes / world.host();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    auto created = ResultsLog::create(dir / ("rank-" + std::to_string(world.rank()) + ".jsonl"));
    if (created) node_log.emplace(std::move(*created));
    else progress.message("gpucert: rank " + std::to_string(world.rank()) + ": " + created.error().describe() +
                          "; its samples go to the root instead");
  }

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
  const ContainerOptions container_options{
      options.worker_path, options.runtime, options.scratch_dir, options.timeout, options.build.cuda_build_version,
      options.workers, std::any_of(suite.plan.begin(), suite.plan.end(), [](const Measurement& m) {
        return needs_setup(m, WorkloadSetup::HostGpus);
      })};
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
                   &run.ranks, {}, 0, {}});
  for (std::size_t c = 0; c < containers.size(); ++c)
    slots.push_back({containers[c].choice.name, &containers[c].record,
                     containers[c].worker ? &containers[c].worker->client() : nullptr, &container_ranks[c], {}, 0, {}});

  for (const auto& m : suite.plan)
    if (needs_setup(m, WorkloadSetup::Communicator)) unfinished.push_back(m);
  for (std::size_t e = 0; e < slots.size(); ++e) {
    auto& slot = slots[e];
    const auto& ranks = *slot.ranks;
    slot.nccl = nccl_rendezvous(world, suite.plan, *slot.record, slot.worker, ranks, options.nccl_timeout,
                                options.timeout, give_up, progress, e == 0 ? "" : slot.name);
    if (world.root())
      for (auto& r : nccl_not_run(slot.nccl, suite.plan, ranks)) {
        r.environment = slot.name;
        if (recorded.contains(r)) continue;
        record_result(std::move(r));
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

  // Why the run stops before its end, decided by the root for every rank (all must leave the loop at the same
  // measurement, or the others would wait in a collective): a signal on any rank, or results.jsonl unwritable.
  int stop_signal = 0;
  auto should_stop = [&]() {
    const auto votes = world.gather(std::to_string(runtime::stop_requested()), give_up);
    std::string decision;
    if (world.root()) {
      int signal = 0;
      for (const auto& v : votes) signal = signal ? signal : std::atoi(v.c_str());
      decision = signal ? std::to_string(signal) : !log_failure.empty() ? "log" : "";
    }
    decision = world.broadcast(decision);
    if (decision.empty()) return false;
    if (decision != "log") stop_signal = std::atoi(decision.c_str());
    return true;
  };

  const auto layout = node_layout(world.hosts());
  for (std::size_t i = 0; i < total; ++i) {
    if (done[i]) continue;
    if (should_stop()) break;
    const auto& m = suite.plan[i];
    if (world.root()) progress.measurement_started(position, to_run, m);
    // The suite's deadline for this measurement, or --timeout.
    const auto deadline = m.timeout_s > 0 ? std::chrono::milliseconds(std::chrono::seconds(m.timeout_s))
                                          : options.timeout;
    // Native alone runs its repetitions at once; beside containers they are split into interleaved rounds.
    const auto parts = slots.size() > 1 ? round_repetitions(m.repetitions, options.rounds)
                                        : std::vector<int>{m.repetitions};
    std::vector<RunReply> replies(slots.size());
    std::vector<bool> ran(slots.size(), false);
    // A collective split per node or node pair: this rank's part, decided alike on every rank.
    const auto split = split_plan(m);
    const auto my_split = split ? std::optional(rank_split(*split, layout, world.rank())) : std::nullopt;
    for (std::size_t round = 0; round < parts.size(); ++round)
      for (const auto e : round_order(slots.size(), round)) {
        auto& slot = slots[e];
        if (!slot.nccl.runs(m) || !slot.record->usable || !slot.worker) continue;
        if (runtime::stop_requested()) break;
        RunReply reply;
        if (!slot.given_up.empty()) {
          reply.status = RunStatus::Error;
          reply.message = "not run: " + slot.given_up;
        } else if (my_split && my_split->nobody) {
          reply.status = RunStatus::Waived;
          reply.message = my_split->waived;
        } else {
          Measurement part = m;
          part.repetitions = parts[round];
          if (my_split) part.params["communicator"] = communicator_request(*my_split);
          // Same seed on every rank and in every environment: identical inputs, comparable results.
          reply = slot.worker->run(part, slot.record->placement.device, options.seed + i, deadline);
          runtime::resolve_worker_host_pid(reply.telemetry);  // a restarted worker is a new process
        }
        merge_round(replies[e], !ran[e], std::move(reply));
        ran[e] = true;
      }
    // A measurement a signal cut short is not recorded: `--resume` runs it whole.
    const bool cut_short = runtime::stop_requested() != 0;
    for (std::size_t e = 0; e < slots.size() && !cut_short; ++e) {
      auto& slot = slots[e];
      if (!ran[e] || !slot.given_up.empty()) continue;
      const auto status = replies[e].status;
      slot.breaks_in_a_row = status == RunStatus::Crashed || status == RunStatus::TimedOut ? slot.breaks_in_a_row + 1 : 0;
      if (slot.breaks_in_a_row >= options.give_up_after) {
        const auto& message = replies[e].message;
        slot.given_up = "the GPU of rank " + std::to_string(slot.record->placement.rank) + " (" +
                        slot.record->placement.device_name + ") in " + slot.name + " was given up after " +
                        std::to_string(slot.breaks_in_a_row) +
                        " measurements in a row crashed or timed out; the last: " +
                        message.substr(0, message.find('\n'));
        std::fprintf(stderr, "gpucert: %s\n", slot.given_up.c_str());
      }
    }
    unfinished = {m};
    gathering_results = true;
    test_fault_point(world, "measurement:" + std::to_string(i));
    std::vector<ResultRecord> arrived;
    for (std::size_t e = 0; e < slots.size(); ++e) {
      if (!slots[e].nccl.runs(m)) continue;  // recorded above, with the reason
      std::string mine;
      if (ran[e] && !cut_short) {
        if (my_split && my_split->color >= 0 && replies[e].details.is_object())
          replies[e].details["communicator"] = communicator_details(*split, *my_split);
        auto record = make_record(m, slots[e].record->placement, std::move(replies[e]));
        record.environment = slots[e].name;
        const auto text = to_json(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (node_log && node_log->append(text)) record.reply.samples_s.clear();
        mine = node_log ? to_json(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : text;
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
        arrived.push_back(*record);
        record_result(std::move(*record));
      }
    }
    if (!world.root()) continue;
    progress.measurement_finished(position++, to_run, arrived);
  }
  record_health_after(world, setup.worker ? &*setup.worker : nullptr, run.ranks, options.timeout, give_up);
  if (world.root()) (void)reports::write_ranks(run.ranks, options.out_dir);  // with the "after", for `gpucert report`
  if (!stop_signal && runtime::stop_requested()) stop_signal = runtime::stop_requested();
  if (setup.worker) setup.worker->quit();
  for (auto& c : containers)
    if (c.worker) c.worker->stop();

  int code = kExitPassed;
  bool written = false;
  if (world.root()) {
    run.finished = utc_timestamp();
    if (stop_signal) run.interrupted = runtime::signal_name(stop_signal);
    ConformanceContext context;
    context.parity_threshold = options.verdict_inputs.parity_threshold;
    judge_run(run, options.thresholds, context);
    code = run.exit_code();
    if (auto s = reports::write_reports(run, options.out_dir); !s) {
      progress.message("gpucert: " + s.error().describe() + "; the reports were not written whole");
      code = kExitBadInput;
    } else {
      written = true;
    }
    if (!log_failure.empty()) code = kExitBadInput;
    if (stop_signal) code = 128 + stop_signal;
    if (const auto c = run.completeness(); !c.complete())
      progress.message("gpucert: the run is INCOMPLETE: " + std::to_string(c.incomplete) + " of " +
                       std::to_string(c.planned) + " measurement(s) lack results; continue it with: gpucert run "
                       "--resume " + options.out_dir.string());
  }
  if (options.reports_written) *options.reports_written = world.broadcast(written ? 1 : 0) != 0;
  return world.broadcast(code);
}

}  // namespace gpucert::coordinator

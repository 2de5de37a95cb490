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
  const RankRecord* record = nullptr;              // this rank's, in this environment
  runtime::WorkerClient* worker = nullptr;         // null when it is not running
  const std::vector<RankRecord>* ranks = nullptr;  // every rank's record here (meaningful at the root)
  NcclSession nccl;
  int breaks_in_a_row = 0;  // measurements that crashed or timed out, one after the other
  std::string given_up;     // why this GPU runs nothing more, once it is given up
};

// The root's account of one container environment: the ranks' probes, and what the image says of itself.
EnvironmentRecord describe_environment(ContainerSetup& mine, std::vector<RankRecord> ranks,
                                       const SessionOptions& options, ProgressSink& progress) {
  const auto& choice = mine.choice;
  EnvironmentRecord e{choice.name,      std::string(runtime::to_string(choice.runtime)),
                      choice.image,     choice.flavor,
                      std::move(ranks), mine.image_facts,
                      std::nullopt};
  if (!mine.image_note.empty()) progress.message("gpucert: " + choice.name + ": " + mine.image_note);
  // nvcc inside the image compiles and runs a kernel: the devel flavor's promise, checked once per run.
  if (choice.flavor == "devel" && mine.worker) e.devel_check = mine.worker->client().devel_check(options.timeout);
  std::size_t usable = 0;
  for (const auto& r : e.ranks) usable += r.usable ? 1 : 0;
  progress.message("gpucert: environment " + e.name + " (" + e.runtime + " " + e.image +
                   "): " + std::to_string(usable) + " of " + std::to_string(e.ranks.size()) + " rank(s) can run" +
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

// One `gpucert run` on this rank, phase by phase: open the run folder, start the environments, set up what the plan's
// workloads need (an NCCL communicator), decide what a resumed run still has to do, measure, and write the verdict.
// Every phase is collective: each rank calls the same ones in the same order.
class Session {
 public:
  Session(const MpiWorld& world, const Suite& suite, const SessionOptions& options, ProgressSink& progress)
      : world_(world), suite_(suite), options_(options), progress_(progress) {
    run_.build = options.build;
    run_.suite_name = suite.name;
    run_.suite_source = suite.source;
    run_.command = options.command_line;
    run_.started = utc_timestamp();
    for (const auto& m : suite.plan) run_.plan.push_back(m.id);
    run_.verdict_inputs = options.verdict_inputs;
  }

  int run() {
    if (!open_run_folder()) return kExitBadInput;
    open_node_log();
    start_environments();
    set_up_workloads();
    decide_what_remains();
    measure_plan();
    return finish();
  }

 private:
  // The root opens the log first: if it cannot write there (or a resumed run is not the one that stopped there),
  // nobody should spend GPU time. Collective; false on every rank when the root cannot.
  bool open_run_folder() {
    std::string problem;
    if (world_.root()) {
      problem = prepare_out_dir(identity_of(world_, suite_, options_, run_.started), options_, run_, progress_);
      if (problem.empty()) {
        auto created = ResultsLog::create(options_.out_dir / "results.jsonl");
        if (created)
          log_.emplace(std::move(*created));
        else
          problem = created.error().describe();
      }
    }
    if (problem = world_.broadcast(problem); !problem.empty()) {
      if (world_.root()) progress_.message("gpucert: " + problem);
      return false;
    }
    // At the root: what the interrupted run recorded (nothing, for a fresh run), never recorded twice.
    recorded_ = RecordedResults(run_.results);
    return true;
  }

  // Where this rank keeps its samples, when they stay on the nodes.
  void open_node_log() {
    if (options_.samples_on_nodes.empty()) return;
    const auto dir = options_.samples_on_nodes / world_.host();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    auto created = ResultsLog::create(dir / ("rank-" + std::to_string(world_.rank()) + ".jsonl"));
    if (created)
      node_log_.emplace(std::move(*created));
    else
      progress_.message("gpucert: rank " + std::to_string(world_.rank()) + ": " + created.error().describe() +
                        "; its samples go to the root instead");
  }

  // This rank's native worker, then every container environment's beside it, each rank's record gathered at the
  // root and written beside results.jsonl at once, so `gpucert report` can render a run that never finishes.
  void start_environments() {
    native_ = setup_rank(world_, options_.worker_path, options_.timeout);
    test_fault_point(world_, "setup");
    run_.ranks = gather_ranks(world_, native_.record);
    if (world_.root()) progress_.ranks_ready(run_.ranks);
    if (world_.root())
      if (auto s = reports::write_ranks(run_.ranks, options_.out_dir); !s)
        progress_.message("gpucert: " + s.error().describe());

    const ContainerOptions container_options{
        options_.worker_path,
        options_.runtime,
        options_.scratch_dir,
        options_.timeout,
        options_.build.cuda_build_version,
        options_.workers,
        std::any_of(suite_.plan.begin(), suite_.plan.end(),
                    [](const Measurement& m) { return needs_setup(m, WorkloadSetup::HostGpus); })};
    for (const auto& choice : options_.environments) {
      containers_.push_back(setup_container_rank(world_, choice, native_.record, container_options));
      container_ranks_.push_back(gather_ranks(world_, containers_.back().record));
      if (world_.root())
        run_.environments.push_back(
            describe_environment(containers_.back(), container_ranks_.back(), options_, progress_));
    }
    if (world_.root() && !run_.environments.empty())
      if (auto s = reports::write_environments(run_.environments, options_.out_dir); !s)
        progress_.message("gpucert: " + s.error().describe());

    // containers_ and container_ranks_ are complete: the slots may point into them.
    slots_.push_back({std::string(kNativeEnvironment),
                      &native_.record,
                      native_.worker ? &*native_.worker : nullptr,
                      &run_.ranks,
                      {},
                      0,
                      {}});
    for (std::size_t c = 0; c < containers_.size(); ++c)
      slots_.push_back({containers_[c].choice.name,
                        &containers_[c].record,
                        containers_[c].worker ? &containers_[c].worker->client() : nullptr,
                        &container_ranks_[c],
                        {},
                        0,
                        {}});
  }

  // The set-up step of the plan's workloads, per environment: every rank joins one communicator for those that
  // need one (WorkloadSetup::Communicator); where it cannot, their measurements are recorded with the reason.
  void set_up_workloads() {
    for (const auto& m : suite_.plan)
      if (needs_setup(m, WorkloadSetup::Communicator)) unfinished_.push_back(m);
    const auto give_up = stall_handler();
    for (std::size_t e = 0; e < slots_.size(); ++e) {
      auto& slot = slots_[e];
      const auto& ranks = *slot.ranks;
      slot.nccl = nccl_rendezvous(world_, suite_.plan, *slot.record, slot.worker, ranks, options_.nccl_timeout,
                                  options_.timeout, give_up, progress_, e == 0 ? "" : slot.name);
      if (world_.root())
        for (auto& r : nccl_not_run(slot.nccl, suite_.plan, ranks)) {
          r.environment = slot.name;
          if (recorded_.contains(r)) continue;
          record_result(std::move(r));
        }
    }
  }

  // Which measurements this run does: none with no usable GPU anywhere (the report says why); for a resumed run,
  // those not yet recorded by every rank that records them this time, in every environment. All ranks must run a
  // measurement together (NCCL), so the root decides for all of them.
  void decide_what_remains() {
    int any_usable = 0;
    for (const auto& r : run_.ranks) any_usable |= r.usable ? 1 : 0;
    total_ = world_.broadcast(any_usable) ? suite_.plan.size() : 0;
    done_.assign(suite_.plan.size(), false);
    if (options_.resume) {
      std::string decided;
      if (world_.root()) {
        for (std::size_t i = 0; i < suite_.plan.size(); ++i) done_[i] = already_recorded(suite_.plan[i]);
        decided = encode_done(done_);
      }
      done_ = decode_done(world_.broadcast(decided), suite_.plan.size());
      done_.resize(suite_.plan.size(), false);
      if (world_.root())
        progress_.message("resuming: " + std::to_string(std::count(done_.begin(), done_.end(), true)) + " of " +
                          std::to_string(suite_.plan.size()) + " measurements already done");
    }
    for (std::size_t i = 0; i < total_; ++i) to_run_ += done_[i] ? 0 : 1;
  }

  bool already_recorded(const Measurement& m) const {
    std::vector<ExpectedResults> expected;
    for (const auto& slot : slots_) {
      ExpectedResults x{slot.name, {}};
      // A rank without a usable GPU here records nothing, except the reason NCCL did not run.
      for (const auto& r : *slot.ranks)
        if (r.usable || !slot.nccl.runs(m)) x.ranks.push_back(r.placement.rank);
      expected.push_back(std::move(x));
    }
    return measurement_done(m.id, expected, recorded_);
  }

  void measure_plan() {
    layout_ = node_layout(world_.hosts());
    for (std::size_t i = 0; i < total_; ++i) {
      if (done_[i]) continue;
      if (should_stop()) break;
      measure(i);
    }
  }

  // One measurement in every environment (in interleaved rounds beside containers), then its results gathered at
  // the root.
  void measure(std::size_t i) {
    const auto& m = suite_.plan[i];
    if (world_.root()) progress_.measurement_started(position_, to_run_, m);
    // The suite's deadline for this measurement, or --timeout.
    const auto deadline =
        m.timeout_s > 0 ? std::chrono::milliseconds(std::chrono::seconds(m.timeout_s)) : options_.timeout;
    // Native alone runs its repetitions at once; beside containers they are split into interleaved rounds.
    const auto parts =
        slots_.size() > 1 ? round_repetitions(m.repetitions, options_.rounds) : std::vector<int>{m.repetitions};
    std::vector<RunReply> replies(slots_.size());
    std::vector<bool> ran(slots_.size(), false);
    // A collective split per node or node pair: this rank's part, decided alike on every rank.
    const auto split = split_plan(m);
    const auto my_split = split ? std::optional(rank_split(*split, layout_, world_.rank())) : std::nullopt;
    for (std::size_t round = 0; round < parts.size(); ++round)
      for (const auto e : round_order(slots_.size(), round)) {
        auto& slot = slots_[e];
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
          reply = slot.worker->run(part, slot.record->placement.device, options_.seed + i, deadline);
          runtime::resolve_worker_host_pid(reply.telemetry);  // a restarted worker is a new process
        }
        merge_round(replies[e], !ran[e], std::move(reply));
        ran[e] = true;
      }
    // A measurement a signal cut short is not recorded: `--resume` runs it whole.
    const bool cut_short = runtime::stop_requested() != 0;
    if (!cut_short) count_breaks(replies, ran);
    unfinished_ = {m};
    gathering_results_ = true;
    test_fault_point(world_, "measurement:" + std::to_string(i));
    if (my_split && my_split->color >= 0)
      for (std::size_t e = 0; e < slots_.size(); ++e)
        if (ran[e] && replies[e].details.is_object())
          replies[e].details["communicator"] = communicator_details(*split, *my_split);
    gather_results(m, replies, ran, cut_short);
  }

  // A GPU whose measurements crash or time out options_.give_up_after times in a row runs nothing more.
  void count_breaks(const std::vector<RunReply>& replies, const std::vector<bool>& ran) {
    for (std::size_t e = 0; e < slots_.size(); ++e) {
      auto& slot = slots_[e];
      if (!ran[e] || !slot.given_up.empty()) continue;
      const auto status = replies[e].status;
      slot.breaks_in_a_row =
          status == RunStatus::Crashed || status == RunStatus::TimedOut ? slot.breaks_in_a_row + 1 : 0;
      if (slot.breaks_in_a_row < options_.give_up_after) continue;
      const auto& message = replies[e].message;
      slot.given_up = "the GPU of rank " + std::to_string(slot.record->placement.rank) + " (" +
                      slot.record->placement.device_name + ") in " + slot.name + " was given up after " +
                      std::to_string(slot.breaks_in_a_row) +
                      " measurements in a row crashed or timed out; the last: " + message.substr(0, message.find('\n'));
      std::fprintf(stderr, "gpucert: %s\n", slot.given_up.c_str());
    }
  }

  // Every rank's record of measurement m, per environment, gathered and logged at the root. Collective.
  void gather_results(const Measurement& m, std::vector<RunReply>& replies, const std::vector<bool>& ran,
                      bool cut_short) {
    const auto give_up = stall_handler();
    std::vector<ResultRecord> arrived;
    for (std::size_t e = 0; e < slots_.size(); ++e) {
      if (!slots_[e].nccl.runs(m)) continue;  // recorded at set-up, with the reason
      std::string mine;
      if (ran[e] && !cut_short) {
        auto record = make_record(m, slots_[e].record->placement, std::move(replies[e]));
        record.environment = slots_[e].name;
        const auto text = to_json(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (node_log_ && node_log_->append(text)) record.reply.samples_s.clear();
        mine = node_log_ ? to_json(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : text;
      }
      const auto all = world_.gather(mine, give_up);
      if (!world_.root()) continue;
      for (const auto& text : all) {
        if (text.empty()) continue;  // a rank without a usable GPU here; the rank tables say why
        auto record = result_from_json(nlohmann::json::parse(text, nullptr, false));
        if (!record) {
          progress_.message("gpucert: a result did not arrive intact: " + record.error().describe());
          continue;
        }
        // A measurement the interrupted run left half recorded: the records it has stay, the missing ones join.
        if (recorded_.contains(*record)) continue;
        arrived.push_back(*record);
        record_result(std::move(*record));
      }
    }
    if (world_.root()) progress_.measurement_finished(position_++, to_run_, arrived);
  }

  // Why the run stops before its end, decided by the root for every rank (all must leave the loop at the same
  // measurement, or the others would wait in a collective): a signal on any rank, or results.jsonl unwritable.
  bool should_stop() {
    const auto votes = world_.gather(std::to_string(runtime::stop_requested()), stall_handler());
    std::string decision;
    if (world_.root()) {
      int signal = 0;
      for (const auto& v : votes) signal = signal ? signal : std::atoi(v.c_str());
      decision = signal ? std::to_string(signal) : !log_failure_.empty() ? "log" : "";
    }
    decision = world_.broadcast(decision);
    if (decision.empty()) return false;
    if (decision != "log") stop_signal_ = std::atoi(decision.c_str());
    return true;
  }

  // Health after the suite, the workers stopped, and at the root the verdict and the reports. Returns the exit
  // code, the same on every rank.
  int finish() {
    record_health_after(world_, native_.worker ? &*native_.worker : nullptr, run_.ranks, options_.timeout,
                        stall_handler());
    if (world_.root()) (void)reports::write_ranks(run_.ranks, options_.out_dir);  // with the "after"
    if (!stop_signal_ && runtime::stop_requested()) stop_signal_ = runtime::stop_requested();
    if (native_.worker) native_.worker->quit();
    for (auto& c : containers_)
      if (c.worker) c.worker->stop();

    int code = kExitPassed;
    bool written = false;
    if (world_.root()) {
      run_.finished = utc_timestamp();
      if (stop_signal_) run_.interrupted = runtime::signal_name(stop_signal_);
      ConformanceContext context;
      context.parity_threshold = options_.verdict_inputs.parity_threshold;
      judge_run(run_, options_.thresholds, context);
      code = run_.exit_code();
      if (auto s = reports::write_reports(run_, options_.out_dir); !s) {
        progress_.message("gpucert: " + s.error().describe() + "; the reports were not written whole");
        code = kExitBadInput;
      } else {
        written = true;
      }
      if (!log_failure_.empty()) code = kExitBadInput;
      if (stop_signal_) code = 128 + stop_signal_;
      if (const auto c = run_.completeness(); !c.complete())
        progress_.message("gpucert: the run is INCOMPLETE: " + std::to_string(c.incomplete) + " of " +
                          std::to_string(c.planned) +
                          " measurement(s) lack results; continue it with: gpucert run "
                          "--resume " +
                          options_.out_dir.string());
    }
    if (options_.reports_written) *options_.reports_written = world_.broadcast(written ? 1 : 0) != 0;
    return world_.broadcast(code);
  }

  // At the root: a result joins results.jsonl and the record, stamped with the run's id; one that takes the place
  // of an attempt that broke carries that attempt's history. A write that fails stops the run: what is in
  // results.jsonl stays valid, nothing more is measured unrecorded.
  void record_result(ResultRecord r) {
    r.run_id = run_.run_id;
    for (auto it = run_.results.begin(); it != run_.results.end(); ++it)
      if (it->measurement.id == r.measurement.id && it->environment == r.environment &&
          it->placement.rank == r.placement.rank) {
        carry_attempts(*it, r);
        run_.results.erase(it);
        break;
      }
    if (log_failure_.empty())
      if (auto s = log_->append(to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)); !s) {
        log_failure_ = s.error().describe();
        progress_.message("gpucert: " + log_failure_ + "; the run stops here");
      }
    run_.results.push_back(std::move(r));
  }

  // A rank that stops answering: the root records what it has and ends the job (rank_stall.hpp).
  MpiWorld::StallHandler stall_handler() {
    return [this](const MpiWorld::Stall& stall) {
      return give_up_on_ranks(run_, stall, unfinished_, gathering_results_, log_ ? &*log_ : nullptr, options_.out_dir,
                              progress_);
    };
  }

  const MpiWorld& world_;
  const Suite& suite_;
  const SessionOptions& options_;
  ProgressSink& progress_;

  RunRecord run_;
  std::optional<ResultsLog> log_;       // at the root: results.jsonl
  std::optional<ResultsLog> node_log_;  // this rank's samples, when they stay on the nodes
  RecordedResults recorded_;            // at the root: what an interrupted run recorded
  std::string log_failure_;             // why results.jsonl could not be written, once it could not

  RankSetup native_;
  std::vector<ContainerSetup> containers_;
  std::vector<std::vector<RankRecord>> container_ranks_;  // at the root: the gathered records, per environment
  std::vector<EnvironmentSlot> slots_;                    // native first, then each container environment

  std::vector<bool> done_;                 // per plan entry: recorded by the run this one resumes
  std::size_t total_ = 0;                  // the plan entries this run may measure: none without a usable GPU
  std::size_t to_run_ = 0, position_ = 0;  // for the progress display: the measurements this run does
  NodeLayout layout_;                      // which host each rank is on, for collectives split per node
  int stop_signal_ = 0;
  // What a stalled rank leaves unmeasured, and whether the root was gathering results when it stalled.
  std::vector<Measurement> unfinished_;
  bool gathering_results_ = false;
};

}  // namespace

int run_session(const MpiWorld& world, const Suite& suite, const SessionOptions& options, ProgressSink& progress) {
  return Session(world, suite, options, progress).run();
}

}  // namespace gpucert::coordinator

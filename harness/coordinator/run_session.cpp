#include "run_session.hpp"

#include "core/conformance.hpp"
#include "nccl_rendezvous.hpp"
#include "rank_setup.hpp"
#include "rank_stall.hpp"
#include "reports/report_files.hpp"
#include "reports/run_folder.hpp"
#include "results_log.hpp"
#include "test_faults.hpp"

namespace gpucert::coordinator {

int run_session(const MpiWorld& world, const Suite& suite, const SessionOptions& options, ProgressSink& progress) {
  RunRecord run;
  run.build = options.build;
  run.suite_name = suite.name;
  run.suite_source = suite.source;
  run.command = options.command_line;
  run.started = utc_timestamp();

  // The root opens the log first: if it cannot write there, nobody should spend GPU time.
  std::optional<ResultsLog> log;
  int can_write = 1;
  if (world.root()) {
    std::error_code ec;
    std::filesystem::create_directories(options.out_dir, ec);
    auto created = ResultsLog::create(options.out_dir / "results.jsonl");
    if (created) {
      log.emplace(std::move(*created));
    } else {
      progress.message("gpucert: " + created.error().describe());
      can_write = 0;
    }
  }
  if (!world.broadcast(can_write)) return kExitBadInput;

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

  for (const auto& m : suite.plan)
    if (m.workload == "nccl") unfinished.push_back(m);
  const auto nccl = nccl_rendezvous(world, suite.plan, setup, run.ranks, options.nccl_timeout, options.timeout,
                                    give_up, progress);
  if (world.root())
    for (auto& r : nccl_not_run(nccl, suite.plan, run.ranks)) {
      if (auto s = log->append(to_json(r).dump()); !s) progress.message("gpucert: " + s.error().describe());
      run.results.push_back(std::move(r));
    }

  // With no usable GPU anywhere there is nothing to measure; the report says why.
  int any_usable = 0;
  for (const auto& r : run.ranks) any_usable |= r.usable ? 1 : 0;
  const std::size_t total = world.broadcast(any_usable) ? suite.plan.size() : 0;
  for (std::size_t i = 0; i < total; ++i) {
    const auto& m = suite.plan[i];
    if (!nccl.runs(m)) continue;  // recorded above, with the reason
    if (world.root()) progress.measurement_started(i, total, m);
    std::string mine;
    if (setup.record.usable && setup.worker) {
      // Same seed on every rank: identical inputs everywhere, so any rank's result can be compared.
      auto reply = setup.worker->run(m, setup.record.placement.device, options.seed + i, options.timeout);
      mine = to_json(make_record(m, setup.record.placement, std::move(reply))).dump();
    }
    unfinished = {m};
    gathering_results = true;
    test_fault_point(world, "measurement:" + std::to_string(i));
    const auto all = world.gather(mine, give_up);
    if (!world.root()) continue;
    std::vector<ResultRecord> arrived;
    for (const auto& text : all) {
      if (text.empty()) continue;  // a rank without a usable GPU; the rank table says why
      auto record = result_from_json(nlohmann::json::parse(text, nullptr, false));
      if (!record) {
        progress.message("gpucert: a result did not arrive intact: " + record.error().describe());
        continue;
      }
      if (auto s = log->append(text); !s) progress.message("gpucert: " + s.error().describe());
      arrived.push_back(std::move(*record));
    }
    progress.measurement_finished(i, total, arrived);
    for (auto& r : arrived) run.results.push_back(std::move(r));
  }
  if (setup.worker) setup.worker->quit();

  int code = kExitPassed;
  if (world.root()) {
    run.finished = utc_timestamp();
    run.checks = conformance_checks(run, options.thresholds);
    code = run.exit_code();
    if (auto s = reports::write_reports(run, options.out_dir); !s) {
      progress.message("gpucert: " + s.error().describe());
      code = code == kExitPassed ? kExitCheckFailed : code;
    }
  }
  return world.broadcast(code);
}

}  // namespace gpucert::coordinator

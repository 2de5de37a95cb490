#include "rank_stall.hpp"

#include <algorithm>

#include "reports/report_files.hpp"

namespace gpucert::coordinator {

int give_up_on_ranks(RunRecord& run, const MpiWorld::Stall& stall, const std::vector<Measurement>& unfinished,
                     bool arrived_are_results, ResultsLog* log, const std::filesystem::path& out_dir,
                     ProgressSink& progress) {
  const auto missing = [&](int rank) {
    return std::find(stall.missing.begin(), stall.missing.end(), rank) != stall.missing.end();
  };
  const auto keep = [&](ResultRecord record) {
    record.run_id = run.run_id;
    if (log)
      if (auto s = log->append(to_json(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)); !s)
        progress.message("gpucert: " + s.error().describe());
    run.results.push_back(std::move(record));
  };
  if (arrived_are_results)
    for (const auto& text : stall.arrived)
      if (auto record = result_from_json(nlohmann::json::parse(text, nullptr, false)); !text.empty() && record)
        keep(std::move(*record));
  for (auto& rank : run.ranks) {
    // The ranks that did answer kept their results; where the gather carried none, nothing ran anywhere.
    if (!missing(rank.placement.rank) && arrived_are_results) continue;
    if (missing(rank.placement.rank)) rank.problem = stall.message;
    for (const auto& m : unfinished) {
      RunReply reply;
      reply.status = RunStatus::Error;
      reply.message = stall.message;
      keep(make_record(m, rank.placement, std::move(reply)));
    }
  }
  run.finished = utc_timestamp();
  if (auto s = reports::write_reports(run, out_dir); !s) progress.message("gpucert: " + s.error().describe());
  progress.message("gpucert: reports written to " + out_dir.string() + " with what the run has; ending the job");
  return run.exit_code();
}

}  // namespace gpucert::coordinator

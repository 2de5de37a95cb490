// Reading a run back from what `gpucert run` leaves in its output folder: results.jsonl (appended as results
// arrive), ranks.json (the rank table, written once the ranks are gathered), environments.json (the container
// environments and each rank's probe in them, when the run has any) and report.json (the whole
// record, written at the end). `gpucert report` re-renders from the first two, so a run that never reached
// its end still gets its reports; `gpucert compare` reads whichever is there.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/run_record.hpp"

namespace gpucert::reports {

// ranks.json: the array of to_json(RankRecord), written atomically.
Status write_ranks(const std::vector<RankRecord>& ranks, const std::filesystem::path& dir);

// environments.json: the array of to_json(EnvironmentRecord), written atomically once the container
// environments are probed (absent from runs without containers).
Status write_environments(const std::vector<EnvironmentRecord>& environments, const std::filesystem::path& dir);

// The record a report.json holds: metadata, ranks, results and checks (when it has them).
Outcome<RunRecord> run_from_report_json(const nlohmann::json& j);

struct FolderRun {
  RunRecord run;
  std::vector<std::string> warnings;  // what was skipped, and why
};

// DIR/results.jsonl with DIR/ranks.json (or, for a folder written before ranks.json existed, the ranks of
// DIR/report.json); suite, build and times from DIR/report.json when it is there. A last line cut short, as
// a crash mid-write leaves it, is skipped with a warning, and so is such a line further up (a resumed run
// appended after it); any other unreadable line is an error naming it.
Outcome<FolderRun> read_run_folder(const std::filesystem::path& dir);

// A report.json file, or a folder: its report.json when there is one, else read_run_folder.
Outcome<FolderRun> read_run(const std::filesystem::path& folder_or_report);

// "13.0" -> 13000, "12.9" -> 12090; 0 for anything else ("unknown").
int parse_cuda_version(const std::string& text);

}  // namespace gpucert::reports

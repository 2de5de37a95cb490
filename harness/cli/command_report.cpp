// `gpucert report DIR`: renders a run's reports again from what it left in DIR, e.g. after a crash (no
// report.json yet), with another thresholds file, or with a newer gpucert's renderers.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "core/conformance.hpp"
#include "reports/report_files.hpp"
#include "reports/run_folder.hpp"
#include "thresholds_file.hpp"

namespace gpucert::cli {

CLI::App* add_report_command(CLI::App& app, ReportArgs& args) {
  auto* cmd =
      app.add_subcommand("report",
                         "Render report.json, report.md, junit.xml and report.html again from an output folder's "
                         "results.jsonl and ranks.json");
  cmd->add_option("dir", args.dir, "Output folder of a `gpucert run`")->required();
  cmd->add_option("--thresholds", args.thresholds,
                  "Performance floors per GPU model (JSON, as suites/thresholds.json); default: those the run "
                  "recorded (run.json), else the built-in ones");
  cmd->footer(
      "\nExit codes: 0 the reports were written, 2 the folder or the thresholds file cannot be read or the "
      "reports cannot be written.\nThe run's own verdict is in the reports (and was `gpucert run`'s exit "
      "code).");
  return cmd;
}

int command_report(const ReportArgs& args) {
  auto folder = reports::read_run_folder(args.dir);
  if (!folder) {
    std::fprintf(stderr, "gpucert: %s\n", folder.error().message.c_str());
    return kExitBadInput;
  }
  for (const auto& w : folder->warnings) std::fprintf(stderr, "gpucert: warning: %s\n", w.c_str());
  auto& run = folder->run;
  // Judged again by the floors and parity threshold the run recorded, unless --thresholds says otherwise.
  auto thresholds = thresholds_for_run(run, args.thresholds);
  if (!thresholds) {
    std::fprintf(stderr, "gpucert: %s\n", thresholds.error().message.c_str());
    return kExitBadInput;
  }
  judge_run(run, *thresholds);
  if (auto s = reports::write_reports(run, args.dir); !s) {
    std::fprintf(stderr, "gpucert: %s\n", s.error().message.c_str());
    return kExitBadInput;
  }
  std::printf(
      "%s/report.html (and report.json, report.md, junit.xml): %zu result(s) of %zu rank(s); %s "
      "(exit code %d)\n",
      args.dir.c_str(), run.results.size(), run.ranks.size(), run.verdict().c_str(), run.exit_code());
  return kExitPassed;
}

}  // namespace gpucert::cli

// `gpucert compare OLD NEW...`: a release gate. Each NEW against the one baseline OLD (a node's later runs, a
// cluster's runs after an upgrade); exit 1 on a regression in any, so CI stops there.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "core/conformance.hpp"
#include "reports/compare.hpp"
#include "reports/run_folder.hpp"
#include "thresholds_file.hpp"

namespace gpucert::cli {
namespace {

// "5%" or "0.05".
bool parse_fraction(const std::string& text, double& out) {
  if (text.empty()) return false;
  const bool percent = text.back() == '%';
  const std::string number = percent ? text.substr(0, text.size() - 1) : text;
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size()) return false;
  out = percent ? value / 100 : value;
  return out > 0 && out < 1;
}

}  // namespace

CLI::App* add_compare_command(CLI::App& app, CompareArgs& args) {
  auto* cmd = app.add_subcommand("compare",
                                 "Compare two runs: per measurement NEW/OLD of the median, regressions "
                                 "beyond a threshold and the runs' noise, check verdicts that changed");
  cmd->add_option("old", args.old_path, "Output folder or report.json of the baseline run")->required();
  cmd->add_option("new", args.new_paths, "Output folders or report.json files of the runs to judge, each against OLD")
      ->required();
  cmd->add_option("--threshold", args.threshold,
                  "Smallest drop that counts, as a fraction or a percentage (0.05 or 5%); a drop must also exceed "
                  "--noise times the larger coefficient of variation of the two runs")
      ->capture_default_str();
  cmd->add_option("--noise", args.noise_factor, "How many coefficients of variation a drop must exceed")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  cmd->add_option("--thresholds", args.thresholds,
                  "Performance floors per GPU model for both runs' checks; default: each run's recorded floors, else "
                  "the built-in ones");
  cmd->footer(
      "\nExample: gpucert compare baseline/ week1/ week2/ week3/   (each week against the baseline)\n"
      "Exit codes: 0 no regression, 1 a regression (a measurement slower beyond the threshold and the "
      "noise, or a check failing that did not fail before), 2 bad input.");
  return cmd;
}

int command_compare(const CompareArgs& args) {
  reports::CompareOptions options;
  options.noise_factor = args.noise_factor;
  if (!parse_fraction(args.threshold, options.threshold)) {
    std::fprintf(stderr, "gpucert: --threshold '%s' is not a fraction between 0 and 1 or a percentage (5%%)\n",
                 args.threshold.c_str());
    return kExitBadInput;
  }
  auto load = [&](const std::string& path, const char* role) -> std::optional<RunRecord> {
    auto read = reports::read_run(path);
    if (!read) {
      std::fprintf(stderr, "gpucert: %s: %s\n", role, read.error().message.c_str());
      return std::nullopt;
    }
    for (const auto& w : read->warnings) std::fprintf(stderr, "gpucert: warning: %s\n", w.c_str());
    // Each run judged by the floors and parity threshold it recorded, or every run by --thresholds when given.
    auto thresholds = thresholds_for_run(read->run, args.thresholds);
    if (!thresholds) {
      std::fprintf(stderr, "gpucert: %s: %s\n", role, thresholds.error().message.c_str());
      return std::nullopt;
    }
    judge_run(read->run, *thresholds);
    return std::move(read->run);
  };
  const auto baseline = load(args.old_path, "OLD");
  if (!baseline) return kExitBadInput;
  std::size_t regressions = 0, disjoint = 0;
  for (std::size_t i = 0; i < args.new_paths.size(); ++i) {
    const auto& path = args.new_paths[i];
    const auto run = load(path, "NEW");
    if (!run) return kExitBadInput;
    const auto comparison = reports::compare_runs(*baseline, *run, options);
    std::printf("%sOLD: %s (suite %s, %s)\nNEW: %s (suite %s, %s)\n\n%s", i ? "\n" : "", args.old_path.c_str(),
                baseline->suite_name.c_str(), baseline->started.c_str(), path.c_str(), run->suite_name.c_str(),
                run->started.c_str(), reports::render_comparison(comparison, options).c_str());
    regressions += comparison.regressions() ? 1 : 0;
    // Figures on both sides but none for the same measurement: two different suites, not a comparison.
    if (comparison.measurements.empty() && !comparison.only_old.empty() && !comparison.only_new.empty()) {
      std::fprintf(stderr, "gpucert: OLD and %s have no measurement in common: nothing to compare\n", path.c_str());
      ++disjoint;
    }
  }
  if (args.new_paths.size() > 1)
    std::printf("\n%zu of %zu run(s) regressed against %s\n", regressions, args.new_paths.size(),
                args.old_path.c_str());
  if (regressions) return kExitCheckFailed;
  if (disjoint) return kExitBadInput;
  return kExitPassed;
}

}  // namespace gpucert::cli

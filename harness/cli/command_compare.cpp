// `gpucert compare OLD NEW`: a release gate. Exit 1 on a regression, so CI stops there.
#include <cstdio>
#include <cstdlib>
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
  auto* cmd = app.add_subcommand("compare", "Compare two runs: per measurement NEW/OLD of the median, regressions "
                                            "beyond a threshold and the runs' noise, check verdicts that changed");
  cmd->add_option("old", args.old_path, "Output folder or report.json of the baseline run")->required();
  cmd->add_option("new", args.new_path, "Output folder or report.json of the run to judge")->required();
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
  cmd->footer("\nExit codes: 0 no regression, 1 a regression (a measurement slower beyond the threshold and the "
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
  RunRecord runs[2];
  const std::string* paths[2] = {&args.old_path, &args.new_path};
  for (int i = 0; i < 2; ++i) {
    auto read = reports::read_run(*paths[i]);
    if (!read) {
      std::fprintf(stderr, "gpucert: %s: %s\n", i ? "NEW" : "OLD", read.error().message.c_str());
      return kExitBadInput;
    }
    for (const auto& w : read->warnings) std::fprintf(stderr, "gpucert: warning: %s\n", w.c_str());
    runs[i] = std::move(read->run);
    // Each side judged by the floors and parity threshold it recorded, or both by --thresholds when given.
    auto thresholds = thresholds_for_run(runs[i], args.thresholds);
    if (!thresholds) {
      std::fprintf(stderr, "gpucert: %s: %s\n", i ? "NEW" : "OLD", thresholds.error().message.c_str());
      return kExitBadInput;
    }
    runs[i].checks = conformance_checks(runs[i], *thresholds);
  }
  const auto comparison = reports::compare_runs(runs[0], runs[1], options);
  std::printf("OLD: %s (suite %s, %s)\nNEW: %s (suite %s, %s)\n\n%s", args.old_path.c_str(),
              runs[0].suite_name.c_str(), runs[0].started.c_str(), args.new_path.c_str(), runs[1].suite_name.c_str(),
              runs[1].started.c_str(), reports::render_comparison(comparison, options).c_str());
  if (comparison.regressions()) return kExitCheckFailed;
  // Figures on both sides but none for the same measurement: two different suites, not a comparison.
  if (comparison.measurements.empty() && !comparison.only_old.empty() && !comparison.only_new.empty()) {
    std::fprintf(stderr, "gpucert: OLD and NEW have no measurement in common: nothing to compare\n");
    return kExitBadInput;
  }
  return kExitPassed;
}

}  // namespace gpucert::cli

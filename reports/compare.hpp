// `gpucert compare OLD NEW`: what changed between two runs, for gating a release. Per measurement id, rank
// and environment, the ratio NEW/OLD of the median figure; a drop is a regression only when it is beyond
// the threshold AND beyond the noise of either run (noise_factor times the larger coefficient of variation),
// so a noisy measurement does not fail a release on its own spread. Per check, the verdicts that changed; a
// check failing in NEW that did not fail in OLD (passed, waived or absent) is a regression too.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/run_record.hpp"

namespace gpucert::reports {

struct CompareOptions {
  double threshold = 0.05;    // fraction: 0.05 flags drops of more than 5%
  double noise_factor = 3.0;  // the drop must also exceed this many times the larger CV of the two runs
};

struct MeasurementChange {
  std::string environment, id;
  int rank = 0;
  std::string unit;
  double old_median = 0, new_median = 0;
  double ratio = 0;  // new / old
  double old_cv = 0, new_cv = 0;
  bool regression = false;
};

struct VerdictChange {
  std::string environment, name, subject;
  std::optional<Verdict> old_verdict;  // nullopt: the check is new
  std::optional<Verdict> new_verdict;  // nullopt: the check is gone
  bool regression = false;
};

struct Comparison {
  std::vector<MeasurementChange> measurements;  // every measurement with a figure on both sides
  std::vector<VerdictChange> verdicts;          // only checks whose verdict differs
  std::vector<std::string> only_old, only_new;  // measurements with a figure on one side only
  [[nodiscard]] std::size_t regressions() const;
};

// Uses the checks the records hold: derive them for both with the same thresholds first.
Comparison compare_runs(const RunRecord& old_run, const RunRecord& new_run, const CompareOptions& options = {});

// The comparison as a plain-text table for a terminal or a CI log, ending with a one-line summary.
std::string render_comparison(const Comparison& comparison, const CompareOptions& options);

}  // namespace gpucert::reports

// The parts of the reports that a cluster run needs first: the ranked suspects (GPUs, nodes and node pairs
// that stand out from their peers, core/outliers.hpp) at the top of report.md and report.html, the Slurm job
// the run ran in, and the node verdict files a scheduler reads (core/node_verdicts.hpp). docs/CLUSTER.md.
#pragma once

#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "core/outliers.hpp"
#include "core/run_record.hpp"

namespace gpucert::reports {

// At most this many suspects are listed in report.md and report.html; nodes.json and report.json have all.
inline constexpr std::size_t kSuspectsShown = 50;

// "## Suspects" with the ranked list and its evidence; empty for a run without results.
std::string suspects_markdown(const RunRecord& run);
// The same as an HTML <section>.
std::string suspects_html(const RunRecord& run);

// A row of report.md's facts table naming the Slurm job ("| Slurm job | 4242 (cluster, partition) |\n"), and
// the same as a <dt>/<dd> pair for report.html's banner; empty outside Slurm.
std::string scheduler_markdown_row(const RunRecord& run);
std::string scheduler_html_row(const RunRecord& run);

// Above this many ranks report.md and report.html give one results row per measurement (its figure over the
// ranks: median, lowest and highest with their ranks) and one line per result that did not pass, instead of a
// row per result; report.json and junit.xml keep every result.
inline constexpr std::size_t kRanksWithResultRows = 64;
bool results_by_measurement(const RunRecord& run);
std::string results_by_measurement_markdown(const RunRecord& run);
std::string results_by_measurement_html(const RunRecord& run);

// nodes.json and failed-nodes.txt in `dir` (empty when no node failed), each written atomically.
Status write_node_verdicts(const RunRecord& run, const std::filesystem::path& dir);

}  // namespace gpucert::reports

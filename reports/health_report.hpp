// The health part of report.md and report.html (docs/HEALTH.md): per GPU, what NVML read before and after
// the suite and the verdict of each health check, the figures measured while the GPU was slowed down, and in
// report.html the clocks, power and clock-event reasons across the run as an inline SVG chart.
#pragma once

#include <string>
#include <vector>

#include "core/run_record.hpp"

namespace gpucert::reports {

// "## GPU health" and its tables; empty when the run holds no NVML reading and no health check.
std::string health_markdown(const RunRecord& run);
// <section id="health">, with one telemetry chart per rank that has telemetry; empty as above.
std::string health_html(const RunRecord& run);
// The SVG chart of one rank's telemetry: SM clock and power over the run's measurements, one after the
// other, with a band of the clock-event reasons beneath, from the rank's results (results_by_rank). Empty when
// they carry none.
std::string telemetry_svg(const std::vector<const ResultRecord*>& results, int rank);

}  // namespace gpucert::reports

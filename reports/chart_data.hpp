// What report.html charts, taken from a run record: each function returns nullopt when the run holds
// nothing to draw, so the page leaves the chart out instead of drawing an empty frame.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "core/run_record.hpp"
#include "svg_chart.hpp"

namespace gpucert::reports {

// A workload's chart of its verified results, drawn as its spec's report style says (workload_spec.hpp): bars
// per (series, category) with the median over ranks and the slowest to fastest as a whisker, or lines over the
// message size. One per workload that has anything to draw, in the registry's order.
struct WorkloadChart {
  std::string workload;
  std::variant<BarChart, LineChart> chart;
  std::string caption;  // HTML
};
std::vector<WorkloadChart> workload_charts(const RunRecord& run);

// The physical limit a result's figure is a fraction of, as its workload's report style names it: the GPU's
// memory peak, or the limit its kernel recorded (details.limit_gbps). nullopt when there is none.
std::optional<double> physical_limit_gbps(const RunRecord& run, const ResultRecord& r);

// Container/native ratio per environment and workload with its bootstrap interval (parity.hpp), against
// parity and the design's 0.97 pass mark. Only when results ran outside the native environment.
std::optional<IntervalChart> container_native_chart(const RunRecord& run);

// "2GiB" -> 2147483648, "1000000B" -> 1000000: the inverse of format_bytes for one id segment.
std::optional<std::uint64_t> parse_size_segment(std::string_view segment);

}  // namespace gpucert::reports

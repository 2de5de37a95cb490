// What report.html charts, taken from a run record: each function returns nullopt when the run holds
// nothing to draw, so the page leaves the chart out instead of drawing an empty frame.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/run_record.hpp"
#include "svg_chart.hpp"

namespace gpucert::reports {

// Verified stream results: one group of bars per kernel, one bar per precision (the median over ranks, the
// slowest and fastest rank as a whisker), and each GPU model's theoretical peak as a dashed line.
std::optional<BarChart> stream_bandwidth_chart(const RunRecord& run);

// Verified results of a throughput workload ("gemm", "conv"): one group per precision, one bar per shape.
std::optional<BarChart> throughput_chart(const RunRecord& run, std::string_view workload);

// nccl results: bus bandwidth (nccl-tests' busbw, else the figure) over message size, one line per
// collective and precision, median over ranks. The size is params.bytes, else the id's size segment.
std::optional<LineChart> nccl_bus_bandwidth_chart(const RunRecord& run);

// Container/native ratio per environment and workload with its bootstrap interval (parity.hpp), against
// parity and the design's 0.97 pass mark. Only when results ran outside the native environment.
std::optional<IntervalChart> container_native_chart(const RunRecord& run);

// "2GiB" -> 2147483648, "1000000B" -> 1000000: the inverse of format_bytes for one id segment.
std::optional<std::uint64_t> parse_size_segment(std::string_view segment);

}  // namespace gpucert::reports

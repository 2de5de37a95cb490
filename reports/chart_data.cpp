#include "chart_data.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>

#include "core/conformance.hpp"
#include "core/derived_floors.hpp"
#include "core/parity.hpp"
#include "core/workloads/workload_spec.hpp"
#include "run_facts.hpp"

namespace gpucert::reports {
namespace {

std::vector<std::string> segments(std::string_view id) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto slash = id.find('/', start);
    out.emplace_back(id.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

std::string join_segments(const std::vector<std::string>& parts, std::size_t from, std::size_t skip = SIZE_MAX) {
  std::string out;
  for (std::size_t i = from; i < parts.size(); ++i)
    if (i != skip) out += (out.empty() ? "" : "/") + parts[i];
  return out;
}

double median_of_sorted(const std::vector<double>& v) {
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

bool charted(const ResultRecord& r) { return r.reply.status == RunStatus::Ok && r.figures.has_value(); }

std::string with_environment(std::string name, const ResultRecord& r) {
  const auto environment = environment_of(r);
  return environment == kNativeEnvironment ? name : name + " (" + environment + ")";
}

// Values gathered per (series, category), both in order of first appearance.
struct Grid {
  std::vector<std::string> series, categories;
  std::map<std::pair<std::string, std::string>, std::vector<double>> values;

  void add(const std::string& s, const std::string& c, double v) {
    if (std::find(series.begin(), series.end(), s) == series.end()) series.push_back(s);
    if (std::find(categories.begin(), categories.end(), c) == categories.end()) categories.push_back(c);
    values[{s, c}].push_back(v);
  }

  [[nodiscard]] BarChart chart(std::string title, std::string unit) const {
    BarChart chart{std::move(title), std::move(unit), categories, {}, {}};
    for (const auto& s : series) {
      BarSeries bars{s, {}};
      for (const auto& c : categories) {
        const auto it = values.find({s, c});
        if (it == values.end()) {
          bars.bars.emplace_back();
          continue;
        }
        auto v = it->second;
        std::sort(v.begin(), v.end());
        Bar bar{median_of_sorted(v), std::nullopt, std::nullopt, ""};
        if (v.size() > 1) {
          bar.low = v.front();
          bar.high = v.back();
          bar.tooltip = "median of " + std::to_string(v.size()) + " ranks, " + short_number(v.front()) + " to " +
                        short_number(v.back());
        }
        bars.bars.push_back(bar);
      }
      chart.series.push_back(std::move(bars));
    }
    return chart;
  }
};

}  // namespace

std::optional<std::uint64_t> parse_size_segment(std::string_view segment) {
  static const std::pair<std::string_view, std::uint64_t> units[] = {
      {"TiB", 1ull << 40}, {"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"B", 1}};
  for (const auto& [suffix, scale] : units) {
    if (!segment.ends_with(suffix) || segment.size() == suffix.size()) continue;
    const auto digits = segment.substr(0, segment.size() - suffix.size());
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return value * scale;
  }
  return std::nullopt;
}

namespace {

std::string label_of(const ResultRecord& r, const std::vector<std::string>& parts, const LabelSource& source) {
  if (!source.param.empty()) {
    const auto& params = r.measurement.params;
    if (const auto it = params.is_object() ? params.find(source.param) : params.end();
        it != params.end() && it->is_string())
      return it->get<std::string>();
  }
  std::string out;
  for (std::size_t i = source.first; i < parts.size() && i < source.last; ++i)
    out += (out.empty() ? "" : "/") + parts[i];
  return out.empty() ? "?" : out;
}

// Each GPU model's theoretical memory bandwidth, as dashed lines.
std::vector<ReferenceLine> device_memory_peaks(const RunRecord& run) {
  std::map<long, std::set<std::string>> peaks;  // rounded GB/s -> GPU models
  for (const auto& rank : run.ranks)
    for (const auto& d : rank.probe.devices)
      if (d.index == rank.placement.device && d.peak_bandwidth_gbps() > 0)
        peaks[std::lround(d.peak_bandwidth_gbps())].insert(d.name);
  std::vector<ReferenceLine> lines;
  for (const auto& [gbps, models] : peaks) {
    std::string names;
    for (const auto& m : models) names += (names.empty() ? "" : ", ") + m;
    lines.push_back({static_cast<double>(gbps), "peak " + std::to_string(gbps) + " GB/s: " + names});
  }
  return lines;
}

std::optional<BarChart> bar_chart(const RunRecord& run, const WorkloadSpec& spec, const ReportStyle& style) {
  std::set<std::string> sizes;
  for (const auto& r : run.results)
    if (r.measurement.workload == spec.name() && charted(r)) sizes.insert(segments(r.measurement.id).back());
  if (sizes.empty()) return std::nullopt;
  Grid grid;
  std::string unit;
  for (const auto& r : run.results) {
    if (r.measurement.workload != spec.name() || !charted(r)) continue;
    const auto parts = segments(r.measurement.id);
    auto category = label_of(r, parts, style.category);
    if (style.category_adds_size && sizes.size() > 1) category += " " + parts.back();
    grid.add(with_environment(label_of(r, parts, style.series), r), category, r.figures->at_median);
    unit = std::string(unit_of(r.measurement.metric));
  }
  auto chart = grid.chart(style.title, unit);
  if (style.limit == ReportStyle::Limit::DeviceMemory) chart.lines = device_memory_peaks(run);
  return chart;
}

std::optional<LineChart> over_size_chart(const RunRecord& run, const WorkloadSpec& spec, const ReportStyle& style) {
  std::vector<std::string> order;
  std::map<std::string, std::map<std::uint64_t, std::vector<double>>> points;
  std::string unit;
  for (const auto& r : run.results) {
    if (r.measurement.workload != spec.name() || !charted(r)) continue;
    const auto parts = segments(r.measurement.id);  // <workload>/.../<size>[/...]
    std::optional<std::uint64_t> bytes;
    std::size_t size_at = SIZE_MAX;
    const auto& params = r.measurement.params;
    if (const auto it = params.find("bytes"); it != params.end() && it->is_number_unsigned())
      bytes = it->get<std::uint64_t>();
    for (std::size_t i = 1; i < parts.size(); ++i)
      if (auto size = parse_size_segment(parts[i])) {
        size_at = i;
        if (!bytes) bytes = size;
        break;
      }
    if (!bytes || *bytes == 0) continue;
    unit = std::string(unit_of(r.measurement.metric));
    const auto name = with_environment(join_segments(parts, 1, size_at), r);
    if (!points.count(name)) order.push_back(name);
    points[name][*bytes].push_back(r.bus_figures ? r.bus_figures->at_median : r.figures->at_median);
  }
  if (order.empty()) return std::nullopt;
  LineChart chart{style.title, "message size (bytes, log scale)", unit, {}, [](double x) {
                    return format_bytes(static_cast<std::uint64_t>(x));
                  }};
  for (const auto& name : order) {
    LineSeries series{name, {}};
    for (auto& [bytes, values] : points[name]) {
      std::sort(values.begin(), values.end());
      series.points.push_back({static_cast<double>(bytes), median_of_sorted(values)});
    }
    chart.series.push_back(std::move(series));
  }
  return chart;
}

// What each workload's figures are a fraction of, read once: report_style() also builds the chart's texts, too
// much to ask for every row of a results table.
ReportStyle::Limit limit_kind(std::string_view workload) {
  static const auto kinds = [] {
    std::map<std::string, ReportStyle::Limit, std::less<>> out;
    for (const auto* spec : workload_registry()) out.emplace(spec->name(), spec->report_style().limit);
    return out;
  }();
  const auto it = kinds.find(workload);
  return it == kinds.end() ? ReportStyle::Limit::None : it->second;
}

}  // namespace

std::vector<WorkloadChart> workload_charts(const RunRecord& run) {
  std::vector<WorkloadChart> out;
  for (const auto* spec : workload_registry()) {
    auto style = spec->report_style();
    std::optional<WorkloadChart> chart;
    if (style.chart == ReportStyle::Chart::Bars) {
      if (auto c = bar_chart(run, *spec, style))
        chart = WorkloadChart{std::string(spec->name()), std::move(*c), style.caption};
    } else if (style.chart == ReportStyle::Chart::OverSize) {
      if (auto c = over_size_chart(run, *spec, style))
        chart = WorkloadChart{std::string(spec->name()), std::move(*c), style.caption};
    }
    if (chart) out.push_back(std::move(*chart));
  }
  return out;
}

std::optional<double> physical_limit_gbps(const RunRecord& run, const ResultRecord& r) {
  switch (limit_kind(r.measurement.workload)) {
    case ReportStyle::Limit::None:
      return std::nullopt;
    case ReportStyle::Limit::DeviceMemory:
      if (const auto* rank = rank_record(run, r.placement.rank))
        for (const auto& d : rank->probe.devices)
          if (d.index == r.placement.device && d.peak_bandwidth_gbps() > 0) return d.peak_bandwidth_gbps();
      return std::nullopt;
    case ReportStyle::Limit::Details:
      return recorded_link_limit_gbps(r);
  }
  return std::nullopt;
}

std::optional<IntervalChart> container_native_chart(const RunRecord& run) {
  const auto ratios = container_native_ratios(run);
  if (ratios.empty()) return std::nullopt;
  // The pass mark the run was judged by (its suite's parity_threshold, or the default).
  const double mark = run.verdict_inputs ? run.verdict_inputs->parity_threshold : kDefaultParityThreshold;
  IntervalChart chart{"Container/native throughput ratio per workload and environment", {}, 1.0, mark};
  for (const auto& e : ratios)
    chart.rows.push_back(
        {e.environment + " · " + e.workload + " (" + std::to_string(e.pairs) + ")", e.ratio, e.low, e.high});
  return chart;
}

}  // namespace gpucert::reports

// Charts as inline SVG text for report.html: grouped bars with reference lines, lines over a log-2 x axis,
// and ratios with intervals. Plain data in, one <svg> element out; every label goes through html_escape,
// colours are attributes (no stylesheet needed), and nothing refers to anything outside the element.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace gpucert::reports {

struct Bar {
  double value = 0;
  std::optional<double> low, high;  // spread (e.g. slowest and fastest rank), drawn as a whisker
  std::string tooltip;              // extra words for the bar's <title>
};

struct BarSeries {
  std::string name;
  std::vector<std::optional<Bar>> bars;  // one per category; nullopt: nothing measured there
};

struct ReferenceLine {
  double value = 0;
  std::string label;  // "peak 3352 GB/s (NVIDIA H100 80GB HBM3)"
};

struct BarChart {
  std::string title;  // for screen readers; the page's caption says it to everyone else
  std::string unit;   // y axis: "GB/s", "TFLOP/s"
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
  std::vector<ReferenceLine> lines;
};

struct LinePoint {
  double x = 0, y = 0;
};

struct LineSeries {
  std::string name;
  std::vector<LinePoint> points;  // sorted by x, x > 0
};

struct LineChart {
  std::string title;
  std::string x_label, unit;
  std::vector<LineSeries> series;
  std::function<std::string(double)> x_format;  // tick labels of the log-2 x axis
};

struct IntervalRow {
  std::string label;
  double value = 0, low = 0, high = 0;
};

struct IntervalChart {
  std::string title;
  std::vector<IntervalRow> rows;
  double reference = 1.0;           // solid line: parity
  std::optional<double> threshold;  // dashed line: the pass mark
};

std::string render_bar_chart(const BarChart& chart);
std::string render_log_x_chart(const LineChart& chart);
std::string render_interval_chart(const IntervalChart& chart);

// The colour of series i (Okabe and Ito's palette, distinguishable with the common colour-vision deficiencies).
std::string series_colour(std::size_t i);

// An axis step of 1, 2 or 5 times a power of ten giving about `ticks` ticks up to `maximum`.
double nice_step(double maximum, int ticks);

// A figure with three significant digits at most, as axis and bar labels print it: 3352, 749, 55.9, 0.97.
std::string short_number(double value);

}  // namespace gpucert::reports

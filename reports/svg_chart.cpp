#include "svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "escape.hpp"

namespace gpucert::reports {
namespace {

constexpr double kWidth = 760;
constexpr const char* kFont = "font-family=\"system-ui, sans-serif\"";
constexpr const char* kHalo = "paint-order=\"stroke\" stroke=\"#ffffff\" stroke-width=\"3\"";

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// Rough width of a label in 11 px system-ui, to lay out legends without measuring text.
double text_width(const std::string& text, double font_px = 11) {
  return 0.56 * font_px * static_cast<double>(text.size());
}

std::string open_svg(double height, const std::string& title) {
  std::ostringstream s;
  s << "<svg class=\"chart\" viewBox=\"0 0 " << num(kWidth) << " " << num(height) << "\" role=\"img\" aria-label=\""
    << html_escape(title) << "\" " << kFont << " font-size=\"11\">"
    << "<title>" << html_escape(title) << "</title>";
  return s.str();
}

// Legend entries in a row from x = left at y, wrapping at the right edge; returns the rows used.
int legend(std::ostringstream& s, const std::vector<std::string>& names, double left, double y) {
  double x = left;
  int rows = 1;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double width = 16 + text_width(names[i]) + 14;
    if (x + width > kWidth - 8 && x > left) {
      x = left;
      y += 16;
      ++rows;
    }
    s << "<rect x=\"" << num(x) << "\" y=\"" << num(y - 9) << "\" width=\"10\" height=\"10\" fill=\""
      << series_colour(i) << "\"/><text x=\"" << num(x + 14) << "\" y=\"" << num(y) << "\">" << html_escape(names[i])
      << "</text>";
    x += width;
  }
  return rows;
}

// Horizontal grid lines and their labels for a linear y axis from 0 to y_max.
void y_axis(std::ostringstream& s, double left, double right, double top, double height, double y_max, double step,
            const std::string& unit) {
  for (double v = 0; v <= y_max * (1 + 1e-9); v += step) {
    const double y = top + height - v / y_max * height;
    s << "<line x1=\"" << num(left) << "\" x2=\"" << num(right) << "\" y1=\"" << num(y) << "\" y2=\"" << num(y)
      << "\" stroke=\"" << (v == 0 ? "#6b7280" : "#e5e7eb") << "\" stroke-width=\"1\"/>";
    s << "<text x=\"" << num(left - 6) << "\" y=\"" << num(y + 4) << "\" text-anchor=\"end\" fill=\"#374151\">"
      << short_number(v) << "</text>";
  }
  s << "<text transform=\"rotate(-90)\" x=\"" << num(-(top + height / 2))
    << "\" y=\"14\" text-anchor=\"middle\" "
       "fill=\"#374151\">"
    << html_escape(unit) << "</text>";
}

double axis_max(double maximum, double& step) {
  if (!(maximum > 0)) maximum = 1;
  step = nice_step(maximum * 1.08, 5);
  return std::ceil(maximum * 1.08 / step) * step;
}

}  // namespace

std::string series_colour(std::size_t i) {
  static const char* const palette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                        "#56B4E9", "#D55E00", "#8C6D00", "#000000"};
  return palette[i % (sizeof palette / sizeof palette[0])];
}

double nice_step(double maximum, int ticks) {
  if (!(maximum > 0) || ticks < 1) return 1;
  const double raw = maximum / ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
}

std::string short_number(double value) {
  char buf[32];
  if (std::fabs(value) >= 100)
    std::snprintf(buf, sizeof buf, "%.0f", value);
  else
    std::snprintf(buf, sizeof buf, "%.3g", value);
  return buf;
}

std::string render_bar_chart(const BarChart& chart) {
  std::vector<std::string> names;
  for (const auto& s : chart.series) names.push_back(s.name);
  const double left = 64, right = kWidth - 16;
  // Legend rows are known only once laid out; draw it into its own stream first.
  std::ostringstream legend_svg;
  const int legend_rows = legend(legend_svg, names, left, 16);
  const double top = 16 + 16.0 * legend_rows + 8, plot_h = 230, height = top + plot_h + 40;

  double maximum = 0;
  for (const auto& s : chart.series)
    for (const auto& b : s.bars)
      if (b) maximum = std::max({maximum, b->value, b->high.value_or(0)});
  for (const auto& l : chart.lines) maximum = std::max(maximum, l.value);
  double step = 1;
  const double y_max = axis_max(maximum, step);
  auto y_of = [&](double v) { return top + plot_h - v / y_max * plot_h; };

  std::ostringstream s;
  s << open_svg(height, chart.title) << legend_svg.str();
  y_axis(s, left, right, top, plot_h, y_max, step, chart.unit);

  const double categories = static_cast<double>(std::max<std::size_t>(chart.categories.size(), 1));
  const double band = (right - left) / categories;
  const double group = band * 0.8;
  const double bar_w = group / static_cast<double>(std::max<std::size_t>(chart.series.size(), 1));
  for (std::size_t c = 0; c < chart.categories.size(); ++c) {
    const double band_x = left + static_cast<double>(c) * band;
    s << "<text x=\"" << num(band_x + band / 2) << "\" y=\"" << num(top + plot_h + 16)
      << "\" text-anchor=\"middle\" fill=\"#111827\">" << html_escape(chart.categories[c]) << "</text>";
    for (std::size_t i = 0; i < chart.series.size(); ++i) {
      const auto& bar = c < chart.series[i].bars.size() ? chart.series[i].bars[c] : std::nullopt;
      if (!bar) continue;
      const double x = band_x + (band - group) / 2 + static_cast<double>(i) * bar_w;
      const double y = y_of(bar->value);
      const double w = std::max(1.0, bar_w - 2);
      s << "<rect x=\"" << num(x + 1) << "\" y=\"" << num(y) << "\" width=\"" << num(w) << "\" height=\""
        << num(top + plot_h - y) << "\" fill=\"" << series_colour(i) << "\"><title>"
        << html_escape(chart.series[i].name + " " + chart.categories[c] + ": " + short_number(bar->value) + " " +
                       chart.unit + (bar->tooltip.empty() ? "" : " (" + bar->tooltip + ")"))
        << "</title></rect>";
      const double centre = x + 1 + w / 2;
      if (bar->low && bar->high && *bar->high > *bar->low) {
        s << "<path d=\"M" << num(centre) << " " << num(y_of(*bar->low)) << "V" << num(y_of(*bar->high)) << "M"
          << num(centre - 3) << " " << num(y_of(*bar->low)) << "h6M" << num(centre - 3) << " " << num(y_of(*bar->high))
          << "h6\" stroke=\"#111827\" stroke-width=\"1\" fill=\"none\"/>";
      }
      if (bar_w >= 24)
        s << "<text x=\"" << num(centre) << "\" y=\"" << num(y_of(bar->high.value_or(bar->value)) - 4)
          << "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#111827\" " << kHalo << ">" << short_number(bar->value)
          << "</text>";
    }
  }
  for (const auto& l : chart.lines) {
    const double y = y_of(l.value);
    s << "<line x1=\"" << num(left) << "\" x2=\"" << num(right) << "\" y1=\"" << num(y) << "\" y2=\"" << num(y)
      << "\" stroke=\"#b91c1c\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>"
      << "<text x=\"" << num(right - 4) << "\" y=\"" << num(y - 5) << "\" text-anchor=\"end\" fill=\"#b91c1c\" "
      << kHalo << ">" << html_escape(l.label) << "</text>";
  }
  s << "</svg>";
  return s.str();
}

std::string render_log_x_chart(const LineChart& chart) {
  std::vector<std::string> names;
  double x_min = 0, x_max = 0, maximum = 0;
  bool first = true;
  for (const auto& series : chart.series) {
    names.push_back(series.name);
    for (const auto& p : series.points) {
      if (!(p.x > 0)) continue;
      x_min = first ? p.x : std::min(x_min, p.x);
      x_max = first ? p.x : std::max(x_max, p.x);
      first = false;
      maximum = std::max(maximum, p.y);
    }
  }
  const double left = 64, right = kWidth - 24;
  std::ostringstream legend_svg;
  const int legend_rows = legend(legend_svg, names, left, 16);
  const double top = 16 + 16.0 * legend_rows + 8, plot_h = 230, height = top + plot_h + 44;
  double step = 1;
  const double y_max = axis_max(maximum, step);
  double e_min = std::floor(std::log2(first ? 1 : x_min)), e_max = std::ceil(std::log2(first ? 2 : x_max));
  if (e_max <= e_min) e_max = e_min + 1;
  auto x_of = [&](double x) { return left + (std::log2(x) - e_min) / (e_max - e_min) * (right - left); };
  auto y_of = [&](double v) { return top + plot_h - v / y_max * plot_h; };

  std::ostringstream s;
  s << open_svg(height, chart.title) << legend_svg.str();
  y_axis(s, left, right, top, plot_h, y_max, step, chart.unit);
  const double every = std::max(1.0, std::ceil((e_max - e_min) / 8));
  for (double e = e_min; e <= e_max + 1e-9; e += every) {
    const double x = x_of(std::exp2(e));
    s << "<line x1=\"" << num(x) << "\" x2=\"" << num(x) << "\" y1=\"" << num(top) << "\" y2=\"" << num(top + plot_h)
      << "\" stroke=\"#f3f4f6\"/>"
      << "<text x=\"" << num(x) << "\" y=\"" << num(top + plot_h + 16) << "\" text-anchor=\"middle\" fill=\"#374151\">"
      << html_escape(chart.x_format ? chart.x_format(std::exp2(e)) : short_number(std::exp2(e))) << "</text>";
  }
  s << "<text x=\"" << num((left + right) / 2) << "\" y=\"" << num(top + plot_h + 34)
    << "\" text-anchor=\"middle\" fill=\"#374151\">" << html_escape(chart.x_label) << "</text>";
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    std::ostringstream points, markers;
    for (const auto& p : chart.series[i].points) {
      if (!(p.x > 0)) continue;
      points << num(x_of(p.x)) << "," << num(y_of(p.y)) << " ";
      markers << "<circle cx=\"" << num(x_of(p.x)) << "\" cy=\"" << num(y_of(p.y)) << "\" r=\"3\" fill=\""
              << series_colour(i) << "\"><title>"
              << html_escape(chart.series[i].name + " at " +
                             (chart.x_format ? chart.x_format(p.x) : short_number(p.x)) + ": " + short_number(p.y) +
                             " " + chart.unit)
              << "</title></circle>";
    }
    s << "<polyline points=\"" << points.str() << "\" fill=\"none\" stroke=\"" << series_colour(i)
      << "\" stroke-width=\"2\"/>" << markers.str();
  }
  s << "</svg>";
  return s.str();
}

std::string render_interval_chart(const IntervalChart& chart) {
  const double label_w = 250, left = label_w + 10, right = kWidth - 190, row_h = 26, top = 12;
  const double height = top + row_h * static_cast<double>(chart.rows.size()) + 36;
  double lo = chart.reference, hi = chart.reference;
  if (chart.threshold) lo = std::min(lo, *chart.threshold), hi = std::max(hi, *chart.threshold);
  for (const auto& r : chart.rows) lo = std::min({lo, r.low, r.value}), hi = std::max({hi, r.high, r.value});
  const double pad = std::max(0.02, (hi - lo) * 0.1);
  lo -= pad;
  hi += pad;
  auto x_of = [&](double v) { return left + (v - lo) / (hi - lo) * (right - left); };
  const double bottom = top + row_h * static_cast<double>(chart.rows.size());

  std::ostringstream s;
  s << open_svg(height, chart.title);
  const double step = nice_step(hi - lo, 5);
  for (double v = std::ceil(lo / step) * step; v <= hi; v += step)
    s << "<line x1=\"" << num(x_of(v)) << "\" x2=\"" << num(x_of(v)) << "\" y1=\"" << num(top) << "\" y2=\""
      << num(bottom) << "\" stroke=\"#e5e7eb\"/><text x=\"" << num(x_of(v)) << "\" y=\"" << num(bottom + 16)
      << "\" text-anchor=\"middle\" fill=\"#374151\">" << short_number(v) << "</text>";
  s << "<line x1=\"" << num(x_of(chart.reference)) << "\" x2=\"" << num(x_of(chart.reference)) << "\" y1=\"" << num(top)
    << "\" y2=\"" << num(bottom) << "\" stroke=\"#111827\"/>";
  if (chart.threshold)
    s << "<line x1=\"" << num(x_of(*chart.threshold)) << "\" x2=\"" << num(x_of(*chart.threshold)) << "\" y1=\""
      << num(top) << "\" y2=\"" << num(bottom) << "\" stroke=\"#b91c1c\" stroke-dasharray=\"6 4\"/>"
      << "<text x=\"" << num(x_of(*chart.threshold)) << "\" y=\"" << num(bottom + 30)
      << "\" text-anchor=\"middle\" fill=\"#b91c1c\">threshold " << short_number(*chart.threshold) << "</text>";
  for (std::size_t i = 0; i < chart.rows.size(); ++i) {
    const auto& r = chart.rows[i];
    const double y = top + row_h * (static_cast<double>(i) + 0.5);
    char interval[96];
    std::snprintf(interval, sizeof interval, "%.3f [%.3f, %.3f]", r.value, r.low, r.high);
    s << "<text x=\"" << num(label_w) << "\" y=\"" << num(y + 4) << "\" text-anchor=\"end\" fill=\"#111827\">"
      << html_escape(r.label) << "</text>"
      << "<path d=\"M" << num(x_of(r.low)) << " " << num(y) << "H" << num(x_of(r.high)) << "M" << num(x_of(r.low))
      << " " << num(y - 5) << "v10M" << num(x_of(r.high)) << " " << num(y - 5) << "v10\" stroke=\"#111827\" "
      << "fill=\"none\"/><circle cx=\"" << num(x_of(r.value)) << "\" cy=\"" << num(y) << "\" r=\"4\" fill=\""
      << series_colour(0) << "\"><title>" << html_escape(r.label + ": " + interval) << "</title></circle>"
      << "<text x=\"" << num(right + 12) << "\" y=\"" << num(y + 4) << "\" fill=\"#111827\">" << interval << "</text>";
  }
  s << "</svg>";
  return s.str();
}

}  // namespace gpucert::reports

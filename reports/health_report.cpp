#include "health_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "cluster_sections.hpp"
#include "core/gpu_telemetry.hpp"
#include "core/json_fields.hpp"
#include "escape.hpp"

namespace gpucert::reports {
namespace {

const std::set<std::string> kHealthChecks = {"exclusive-use", "memory-errors", "xid-events",
                                             "pcie",          "nvlink",        "throttling"};

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string md_cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += "<br>";
    else
      out += c;
  }
  return out;
}

bool has_health(const RunRecord& run) {
  for (const auto& r : run.ranks)
    if (r.probe.health || r.health_after) return true;
  return std::any_of(run.checks.begin(), run.checks.end(),
                     [](const Check& c) { return kHealthChecks.count(c.name) > 0; });
}

const HealthSnapshot* snapshot(const RankRecord& r) {
  if (!r.probe.health) return nullptr;
  if (const auto* s = r.probe.health->device(r.placement.device_uuid)) return s;
  return nullptr;
}

// One line of what NVML said about the rank's GPU.
std::string state_line(const RankRecord& r) {
  if (!r.probe.health) return "no NVML readings (a worker without the health probe)";
  const auto& h = *r.probe.health;
  if (!h.available) return "NVML unavailable: " + h.error;
  const auto* s = snapshot(r);
  if (!s) return "NVML does not list this rank's GPU";
  std::vector<std::string> parts;
  parts.push_back(s->name + ", driver " + h.driver_version);
  if (s->max_sm_clock_mhz && s->max_memory_clock_mhz)
    parts.push_back("max clocks " + std::to_string(*s->max_sm_clock_mhz) + "/" +
                    std::to_string(*s->max_memory_clock_mhz) + " MHz (SM/memory)");
  if (s->power_limit_w)
    parts.push_back("power limit " + fixed(*s->power_limit_w, 0) + " W" +
                    (s->default_power_limit_w ? " (default " + fixed(*s->default_power_limit_w, 0) + " W)" : ""));
  if (s->pcie_gen_max && s->pcie_width_max)
    parts.push_back("PCIe up to gen " + std::to_string(*s->pcie_gen_max) + " x" + std::to_string(*s->pcie_width_max));
  if (!s->nvlinks.empty()) parts.push_back(std::to_string(s->nvlinks.size()) + " NVLinks");
  if (s->ecc_enabled) parts.push_back(std::string("ECC ") + (*s->ecc_enabled ? "on" : "off"));
  if (s->compute_mode) parts.push_back("compute mode " + *s->compute_mode);
  return join(parts, ", ");
}

// The figures measured while a slowdown held the clocks down, of one rank's results.
std::vector<std::string> slowed_figures(const std::vector<const ResultRecord*>& results) {
  std::vector<std::string> out;
  for (const auto* result : results) {
    const auto& r = *result;
    if (!r.reply.telemetry || !r.reply.telemetry->slowed_down()) continue;
    out.push_back(r.measurement.id + (r.environment == "native" ? "" : " (" + r.environment + ")") +
                  (r.figures ? ": " + fixed(r.figures->at_median, 1) + " " + std::string(unit_of(r.measurement.metric))
                             : std::string{}) +
                  ", " +
                  join(clock_event_names(r.reply.telemetry->clock_events_seen & clock_event::kSlowdownMask), ", "));
  }
  return out;
}

// The health checks of each rank, in one pass over the checks (a cluster's run has tens of thousands).
std::map<int, std::vector<const Check*>> health_checks_by_rank(const RunRecord& run) {
  std::map<int, std::vector<const Check*>> by_rank;
  for (const auto& c : run.checks)
    if (kHealthChecks.count(c.name)) by_rank[c.rank].push_back(&c);
  return by_rank;
}

// One rank's part of the section. Above kRanksWithResultRows ranks, only a rank with something to say has one
// (a check that did not pass, a figure measured slowed down): a page per GPU of a cluster helps nobody, and
// report.json keeps every reading.
struct RankPart {
  const RankRecord& rank;
  std::vector<const Check*> checks;
  std::vector<std::string> slowed;
  const std::vector<const ResultRecord*>& results;
};

std::vector<RankPart> rank_parts(const RunRecord& run, const ResultsByRank& by_rank, std::size_t& quiet) {
  const auto checks = health_checks_by_rank(run);
  const bool every_rank = run.ranks.size() <= kRanksWithResultRows;
  std::vector<RankPart> parts;
  quiet = 0;
  for (const auto& r : run.ranks) {
    const auto it = checks.find(r.placement.rank);
    RankPart part{r,
                  it == checks.end() ? std::vector<const Check*>{} : it->second,
                  {},
                  results_of_rank(by_rank, r.placement.rank)};
    part.slowed = slowed_figures(part.results);
    const bool says_something =
        !part.slowed.empty() ||
        std::any_of(part.checks.begin(), part.checks.end(), [](const Check* c) { return c->verdict == Verdict::Fail; });
    if (every_rank || says_something)
      parts.push_back(std::move(part));
    else
      ++quiet;
  }
  return parts;
}

std::string quiet_ranks_text(std::size_t quiet) {
  return std::to_string(quiet) +
         " other rank(s) passed or were waived every health check, with no figure measured "
         "slowed down (report.json holds each rank's readings).";
}

}  // namespace

std::string health_markdown(const RunRecord& run) {
  if (!has_health(run)) return {};
  std::ostringstream md;
  md << "## GPU health\n\n";
  const auto by_rank = results_by_rank(run);
  std::size_t quiet = 0;
  for (const auto& part : rank_parts(run, by_rank, quiet)) {
    const auto& r = part.rank;
    md << "### Rank " << r.placement.rank << (r.placement.host.empty() ? "" : " on " + md_cell(r.placement.host))
       << "\n\n"
       << md_cell(state_line(r)) << "\n\n| Check | Verdict | Evidence |\n|---|---|---|\n";
    for (const auto* c : part.checks)
      md << "| " << c->name << " | " << name_of(c->verdict) << " | " << md_cell(c->evidence) << " |\n";
    md << "\n";
    if (!part.slowed.empty()) {
      md << "Figures measured while the GPU was slowed down:\n\n";
      for (const auto& line : part.slowed) md << "- " << md_cell(line) << "\n";
      md << "\n";
    }
  }
  if (quiet) md << quiet_ranks_text(quiet) << "\n\n";
  return md.str();
}

std::string telemetry_svg(const std::vector<const ResultRecord*>& results, int rank) {
  struct Span {
    std::string id;
    double start = 0;
    const MeasurementTelemetry* t = nullptr;
  };
  std::vector<Span> spans;
  double total = 0, max_clock = 0, max_power = 0;
  for (const auto* result : results) {
    const auto& r = *result;
    if (!r.reply.telemetry || !r.reply.telemetry->available || r.reply.telemetry->samples.empty()) continue;
    const auto& t = *r.reply.telemetry;
    spans.push_back({r.measurement.id + (r.environment == "native" ? "" : " (" + r.environment + ")"), total, &t});
    total += std::max(t.duration_s, t.samples.back().t_s);
    for (const auto& s : t.samples) {
      max_clock = std::max(max_clock, static_cast<double>(s.sm_clock_mhz));
      max_power = std::max(max_power, s.power_w);
    }
    if (t.power_limit_w) max_power = std::max(max_power, *t.power_limit_w);
  }
  if (spans.empty() || total <= 0) return {};
  constexpr double kWidth = 900, kLeft = 56, kRight = 56, kTop = 14, kPlot = 180, kBand = 14;
  const double plot_w = kWidth - kLeft - kRight, height = kTop + kPlot + 8 + kBand + 30;
  max_clock = max_clock > 0 ? max_clock * 1.05 : 1;
  max_power = max_power > 0 ? max_power * 1.05 : 1;
  auto x = [&](double t) { return kLeft + plot_w * t / total; };
  auto y_clock = [&](double mhz) { return kTop + kPlot * (1 - mhz / max_clock); };
  auto y_power = [&](double w) { return kTop + kPlot * (1 - w / max_power); };
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << kWidth << " " << fixed(height, 0)
      << "\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\"><title>rank " << rank
      << ": SM clock, power and clock-event reasons across the run</title>\n"
      << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << plot_w << "\" height=\"" << kPlot
      << "\" fill=\"none\" stroke=\"#bbb\"/>\n";
  for (const auto& s : spans)
    svg << "<line x1=\"" << fixed(x(s.start), 1) << "\" x2=\"" << fixed(x(s.start), 1) << "\" y1=\"" << kTop
        << "\" y2=\"" << kTop + kPlot << "\" stroke=\"#eee\"><title>" << html_escape(s.id) << "</title></line>\n";
  std::string clock_points, power_points;
  for (const auto& s : spans)
    for (const auto& p : s.t->samples) {
      clock_points += fixed(x(s.start + p.t_s), 1) + "," + fixed(y_clock(p.sm_clock_mhz), 1) + " ";
      power_points += fixed(x(s.start + p.t_s), 1) + "," + fixed(y_power(p.power_w), 1) + " ";
    }
  svg << "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.2\" points=\"" << clock_points
      << "\"><title>SM clock (MHz)</title></polyline>\n"
      << "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.2\" points=\"" << power_points
      << "\"><title>power (W)</title></polyline>\n";
  std::optional<double> limit;
  for (const auto& s : spans)
    if (s.t->power_limit_w) limit = s.t->power_limit_w;
  if (limit)
    svg << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + plot_w << "\" y1=\"" << fixed(y_power(*limit), 1)
        << "\" y2=\"" << fixed(y_power(*limit), 1)
        << "\" stroke=\"#d62728\" stroke-dasharray=\"4 3\"><title>power limit " << fixed(*limit, 0)
        << " W</title></line>\n";
  // The reasons band: amber where the software power cap held, red where a slowdown did.
  const double band_y = kTop + kPlot + 8;
  for (const auto& s : spans)
    for (std::size_t i = 0; i < s.t->samples.size(); ++i) {
      const auto& p = s.t->samples[i];
      const char* colour = (p.clock_events & clock_event::kSlowdownMask) ? "#d62728"
                           : (p.clock_events & clock_event::kSwPowerCap) ? "#ff9f1c"
                                                                         : nullptr;
      if (!colour) continue;
      const double end = i + 1 < s.t->samples.size() ? s.t->samples[i + 1].t_s : p.t_s + s.t->period_s;
      svg << "<rect x=\"" << fixed(x(s.start + p.t_s), 1) << "\" y=\"" << band_y << "\" width=\""
          << fixed(std::max(0.5, x(s.start + end) - x(s.start + p.t_s)), 1) << "\" height=\"" << kBand << "\" fill=\""
          << colour << "\"><title>" << html_escape(s.id + ": " + join(clock_event_names(p.clock_events), ", "))
          << "</title></rect>\n";
    }
  svg << "<text x=\"4\" y=\"" << kTop + 10 << "\" fill=\"#1f77b4\">" << fixed(max_clock, 0) << " MHz</text>\n"
      << "<text x=\"" << kWidth - 4 << "\" y=\"" << kTop + 10 << "\" fill=\"#d62728\" text-anchor=\"end\">"
      << fixed(max_power, 0) << " W</text>\n"
      << "<text x=\"4\" y=\"" << band_y + 11 << "\">reasons</text>\n"
      << "<text x=\"" << kLeft << "\" y=\"" << fixed(height - 6, 0) << "\">0 s</text>\n"
      << "<text x=\"" << kLeft + plot_w << "\" y=\"" << fixed(height - 6, 0) << "\" text-anchor=\"end\">"
      << fixed(total, 2) << " s of measurement</text>\n</svg>";
  return svg.str();
}

std::string health_html(const RunRecord& run) {
  if (!has_health(run)) return {};
  std::ostringstream h;
  h << "<section id=\"health\"><h2>GPU health</h2>\n";
  const auto by_rank = results_by_rank(run);
  std::size_t quiet = 0;
  for (const auto& part : rank_parts(run, by_rank, quiet)) {
    const auto& r = part.rank;
    h << "<h3>Rank " << r.placement.rank << (r.placement.host.empty() ? "" : " on " + html_escape(r.placement.host))
      << "</h3>\n<p>" << html_escape(state_line(r)) << "</p>\n<div class=\"wide\"><table><thead><tr><th>Check</th>"
      << "<th>Verdict</th><th>Evidence</th></tr></thead><tbody>\n";
    for (const auto* c : part.checks)
      h << "<tr><td>" << html_escape(c->name) << "</td><td>" << html_escape(std::string(name_of(c->verdict)))
        << "</td><td>" << html_escape(c->evidence) << "</td></tr>\n";
    h << "</tbody></table></div>\n";
    if (!part.slowed.empty()) {
      h << "<p>Figures measured while the GPU was slowed down:</p><ul>";
      for (const auto& line : part.slowed) h << "<li>" << html_escape(line) << "</li>";
      h << "</ul>\n";
    }
    if (const auto svg = telemetry_svg(part.results, r.placement.rank); !svg.empty())
      h << "<figure>" << svg << "<figcaption>SM clock (blue) and power (red, dashed: the limit) across the "
        << "measurements, one after the other; beneath, the clock-event reasons: amber the software power cap, "
        << "red a thermal or power-brake slowdown.</figcaption></figure>\n";
  }
  if (quiet) h << "<p>" << html_escape(quiet_ranks_text(quiet)) << "</p>\n";
  h << "</section>\n";
  return h.str();
}

}  // namespace gpucert::reports

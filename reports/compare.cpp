#include "compare.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>

#include "core/conformance.hpp"

namespace gpucert::reports {
namespace {

using Key = std::tuple<std::string, std::string, int>;  // environment, id, rank

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string key_text(const Key& k) {
  const auto& [environment, id, rank] = k;
  return id + " rank " + std::to_string(rank) + (environment == kNativeEnvironment ? "" : " (" + environment + ")");
}

std::map<Key, const ResultRecord*> figures_by_key(const RunRecord& run) {
  std::map<Key, const ResultRecord*> out;
  for (const auto& r : run.results)
    if (r.reply.status == RunStatus::Ok && r.figures && r.time && r.figures->at_median > 0)
      out[{environment_of(r), r.measurement.id, r.placement.rank}] = &r;
  return out;
}

// Rows of cells printed as aligned columns; the first row is the header.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line = " ";
    for (std::size_t i = 0; i < row.size(); ++i)
      line += " " + row[i] + (i + 1 < row.size() ? std::string(widths[i] - row[i].size() + 1, ' ') : "");
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string verdict_text(const std::optional<Verdict>& v) { return v ? std::string(name_of(*v)) : "absent"; }

}  // namespace

std::size_t Comparison::regressions() const {
  return static_cast<std::size_t>(
      std::count_if(measurements.begin(), measurements.end(), [](const auto& m) { return m.regression; }) +
      std::count_if(verdicts.begin(), verdicts.end(), [](const auto& v) { return v.regression; }));
}

Comparison compare_runs(const RunRecord& old_run, const RunRecord& new_run, const CompareOptions& options) {
  Comparison c;
  const auto old_figures = figures_by_key(old_run), new_figures = figures_by_key(new_run);
  // In NEW's order: the order its suite ran in.
  for (const auto& r : new_run.results) {
    const Key key{environment_of(r), r.measurement.id, r.placement.rank};
    const auto n = new_figures.find(key);
    if (n == new_figures.end() || n->second != &r) continue;
    const auto o = old_figures.find(key);
    if (o == old_figures.end()) {
      c.only_new.push_back(key_text(key));
      continue;
    }
    MeasurementChange m{std::get<0>(key),
                        std::get<1>(key),
                        std::get<2>(key),
                        std::string(unit_of(r.measurement.metric)),
                        o->second->figures->at_median,
                        r.figures->at_median,
                        0,
                        o->second->time->cv,
                        r.time->cv,
                        false};
    m.ratio = m.new_median / m.old_median;
    const double drop = 1.0 - m.ratio;
    m.regression = drop > options.threshold && drop > options.noise_factor * std::max(m.old_cv, m.new_cv);
    c.measurements.push_back(std::move(m));
  }
  for (const auto& [key, r] : old_figures)
    if (!new_figures.count(key)) c.only_old.push_back(key_text(key));

  using CheckKey = std::tuple<std::string, std::string, std::string>;  // environment, name, subject
  std::map<CheckKey, Verdict> old_verdicts;
  for (const auto& k : old_run.checks) old_verdicts[{k.environment, k.name, k.subject}] = k.verdict;
  std::map<CheckKey, bool> seen;
  for (const auto& k : new_run.checks) {
    const CheckKey key{k.environment, k.name, k.subject};
    seen[key] = true;
    const auto it = old_verdicts.find(key);
    const std::optional<Verdict> before = it == old_verdicts.end() ? std::nullopt : std::optional(it->second);
    if (before == k.verdict) continue;
    c.verdicts.push_back(
        {k.environment, k.name, k.subject, before, k.verdict, k.verdict == Verdict::Fail && before != Verdict::Fail});
  }
  for (const auto& k : old_run.checks)
    if (!seen.count({k.environment, k.name, k.subject}))
      c.verdicts.push_back({k.environment, k.name, k.subject, k.verdict, std::nullopt, false});
  return c;
}

std::string render_comparison(const Comparison& c, const CompareOptions& options) {
  std::ostringstream out;
  const bool environments = std::any_of(c.measurements.begin(), c.measurements.end(),
                                        [](const auto& m) { return m.environment != kNativeEnvironment; });
  if (!c.measurements.empty()) {
    out << "Measurements: NEW/OLD of the median figure; a regression drops more than "
        << fixed(100 * options.threshold, 1) << "% and more than " << fixed(options.noise_factor, 1)
        << "x the larger coefficient of variation\n";
    std::vector<std::vector<std::string>> rows{{"measurement", "rank"}};
    if (environments) rows[0].push_back("environment");
    for (const char* h : {"old", "new", "new/old", "CV old", "CV new", ""}) rows[0].push_back(h);
    for (const auto& m : c.measurements) {
      std::vector<std::string> row{m.id, std::to_string(m.rank)};
      if (environments) row.push_back(m.environment);
      row.push_back(fixed(m.old_median, 1) + " " + m.unit);
      row.push_back(fixed(m.new_median, 1) + " " + m.unit);
      row.push_back(fixed(m.ratio, 3));
      row.push_back(fixed(100 * m.old_cv, 2) + "%");
      row.push_back(fixed(100 * m.new_cv, 2) + "%");
      row.push_back(m.regression ? "REGRESSION" : m.ratio > 1 + options.threshold ? "faster" : "");
      rows.push_back(std::move(row));
    }
    out << table(rows);
  }
  if (!c.verdicts.empty()) {
    out << "\nChecks whose verdict changed:\n";
    std::vector<std::vector<std::string>> rows{{"check", "environment", "old", "new", ""}};
    for (const auto& v : c.verdicts)
      rows.push_back({v.name + " " + v.subject, v.environment, verdict_text(v.old_verdict), verdict_text(v.new_verdict),
                      v.regression ? "REGRESSION" : ""});
    out << table(rows);
  }
  if (!c.only_old.empty()) {
    out << "\nWith a figure only in OLD (" << c.only_old.size() << "):\n";
    for (const auto& s : c.only_old) out << "  " << s << "\n";
  }
  if (!c.only_new.empty()) {
    out << "\nWith a figure only in NEW (" << c.only_new.size() << "):\n";
    for (const auto& s : c.only_new) out << "  " << s << "\n";
  }
  const auto measurement_regressions =
      std::count_if(c.measurements.begin(), c.measurements.end(), [](const auto& m) { return m.regression; });
  const auto check_regressions =
      std::count_if(c.verdicts.begin(), c.verdicts.end(), [](const auto& v) { return v.regression; });
  out << "\n"
      << c.measurements.size() << " measurement(s) compared: " << measurement_regressions << " regression(s); "
      << check_regressions << " check(s) newly failing\n";
  return out.str();
}

}  // namespace gpucert::reports

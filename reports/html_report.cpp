#include "html_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "chart_data.hpp"
#include "cluster_sections.hpp"
#include "core/conformance.hpp"
#include "cuda_matrix.hpp"
#include "escape.hpp"
#include "health_report.hpp"
#include "run_facts.hpp"

namespace gpucert::reports {
namespace {

// Print keeps the colours (verdicts are read by colour first) and lets tables break between rows only.
constexpr const char* kStyle = R"css(
:root{--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--waived:#7d5a00;--waived-bg:#fff4c2;
  --line:#d0d7de;--muted:#57606a}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:0 auto;
  padding:16px 24px 40px;max-width:1320px}
h1,h2,h3{line-height:1.2}
h2{margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line);font-size:20px}
h3{font-size:16px;margin:18px 0 6px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;padding:1px 4px;
  border-radius:4px;overflow-wrap:break-word}
.banner{border-radius:8px;padding:16px 20px;color:#fff}
.banner.pass{background:var(--pass)}.banner.fail{background:var(--fail)}.banner.notrun{background:#6e4b00}
.banner .word{font-size:30px;font-weight:700;letter-spacing:.04em}
.banner .summary{font-size:16px;margin-top:2px}
.banner dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:12px 0 0;font-size:13px}
.banner dt{opacity:.85}.banner dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border:1px solid var(--line);padding:4px 7px;text-align:left;vertical-align:top}
thead th{background:#f6f8fa;font-weight:600}tbody tr:nth-child(even){background:#fafbfc}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.text{overflow-wrap:break-word;max-width:420px}td.note{min-width:14em;overflow-wrap:anywhere}
td.nowrap,td.id code{white-space:nowrap}
.wide{overflow-x:auto}
small.uuid{display:block;font:11px ui-monospace,Menlo,Consolas,monospace;color:var(--muted);white-space:nowrap}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;margin:1px 2px;
  white-space:nowrap}
.pill.pass,.pill.ok{background:var(--pass-bg);color:var(--pass)}
.pill.fail,.pill.failed,.pill.error{background:var(--fail-bg);color:var(--fail)}
.pill.waived,.pill.unavailable{background:var(--waived-bg);color:var(--waived)}
table.matrix td{text-align:center}
table.matrix th[scope=row] span{display:block;font-weight:400;color:var(--muted);font-size:12px}
td.na{color:var(--muted)}.fix{margin:4px 0 0}.muted{color:var(--muted)}
figure{margin:14px 0 22px;border:1px solid var(--line);border-radius:6px;padding:10px}
svg.chart{width:100%;max-width:980px;height:auto;display:block}
figcaption{color:var(--muted);font-size:12.5px;margin-top:6px}
details summary{cursor:pointer;color:var(--muted);margin:6px 0}
ul.diagnoses{padding-left:20px}ul.diagnoses li{margin-bottom:8px}
ul.lines{margin:0;padding-left:16px}ul.lines li{margin-bottom:4px}
footer{margin-top:32px;color:var(--muted);font-size:12px}
@media print{
  body{max-width:none;padding:0;font-size:10.5px}
  .banner,.pill{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  h2{break-after:avoid}figure,tr,.banner{break-inside:avoid}thead{display:table-header-group}
  details::details-content{content-visibility:visible;display:block}details summary{display:none}
  .wide{overflow:visible}td.text{overflow-wrap:anywhere}}
)css";

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

// 268435456 -> "268M": how many values a verification compared, at a glance.
std::string count_text(std::uint64_t n) {
  const char* units[] = {"", "k", "M", "G", "T"};
  double value = static_cast<double>(n);
  int unit = 0;
  while (value >= 1000 && unit < 4) value /= 1000, ++unit;
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 || value >= 100 ? "%.0f%s" : "%.3g%s", value, units[unit]);
  return buf;
}

// Escaped text with `code` spans (the doctor's commands) as <code> and line breaks as <br>.
std::string prose(const std::string& text) {
  const auto escaped = html_escape(text);
  const bool paired = std::count(escaped.begin(), escaped.end(), '`') % 2 == 0;
  std::string out;
  bool in_code = false;
  for (char c : escaped) {
    if (c == '`' && paired) {
      out += in_code ? "</code>" : "<code>";
      in_code = !in_code;
    } else if (c == '\n') {
      out += "<br>";
    } else {
      out += c;
    }
  }
  return out;
}

// Several lines (a check's diagnoses, or their fixes, one per line) as a list; one line as prose.
std::string prose_lines(const std::string& text) {
  if (text.find('\n') == std::string::npos) return prose(text);
  std::string out = "<ul class=\"lines\">";
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    if (end > start) out += "<li>" + prose(text.substr(start, end - start)) + "</li>";
    start = end + 1;
  }
  return out + "</ul>";
}

std::string pill(std::string_view kind, const std::string& text) {
  return "<span class=\"pill " + std::string(kind) + "\">" + html_escape(text) + "</span>";
}

const char* describe_check(const std::string& name) {
  static const std::map<std::string, const char*> descriptions{
      {"gpu-visible", "the rank's GPU is visible and usable"},
      {"driver-runtime-alignment", "the driver runs this CUDA runtime"},
      {"results-verified", "every result matches its reference"},
      {"workload-availability", "each workload's library loads"},
      {"performance-floor", "figures at or above the GPU model's floor"},
      {"performance-peers", "figures in line with the other GPUs of the model"},
      {"framework-alignment", "PyTorch's CUDA build matches the image's"},
  };
  const auto it = descriptions.find(name);
  return it == descriptions.end() ? "" : it->second;
}

void banner(std::ostringstream& h, const RunRecord& run) {
  const int code = run.exit_code();
  const char* word = verdict_word(code);
  const char* kind = code == kExitPassed ? "pass" : code == kExitCheckFailed ? "fail" : "notrun";
  const auto facts = run_facts(run);
  h << "<header class=\"banner " << kind << "\"><div class=\"word\">" << word << "</div><div class=\"summary\">"
    << html_escape(run.verdict()) << " (exit code " << code << ")</div><dl>"
    << "<dt>Suite</dt><dd>" << html_escape(run.suite_name.empty() ? "unknown" : run.suite_name) << " ("
    << html_escape(run.suite_source.empty() ? "source unknown" : run.suite_source) << ")</dd>"
    << "<dt>Time</dt><dd>" << html_escape(run.started.empty() ? "?" : run.started) << " to "
    << html_escape(run.finished.empty() ? "?" : run.finished) << "</dd>"
    << "<dt>Hosts</dt><dd>" << html_escape(facts.hosts) << " (" << run.ranks.size() << " rank(s))</dd>"
    << "<dt>Driver</dt><dd>" << html_escape(facts.drivers) << "</dd>"
    << "<dt>CUDA runtime</dt><dd>" << html_escape(facts.runtimes) << "</dd>" << scheduler_html_row(run)
    << "</dl></header>\n";
}

// Passing checks have no diagnosis: their table leaves the column out.
void check_rows(std::ostringstream& h, const std::vector<const Check*>& checks, bool with_diagnosis) {
  h << "<table><thead><tr><th>Verdict</th><th>Check</th><th>Environment</th><th>Subject</th><th>Evidence</th>"
    << (with_diagnosis ? "<th>Diagnosis and fix</th>" : "") << "</tr></thead><tbody>\n";
  for (const auto* c : checks) {
    h << "<tr><td>" << pill(name_of(c->verdict), std::string(name_of(c->verdict))) << "</td><td>"
      << html_escape(c->name) << "</td><td>" << html_escape(c->environment) << "</td><td class=\"text\">"
      << html_escape(c->subject) << "</td><td class=\"text\">" << prose(c->evidence) << "</td>";
    if (with_diagnosis) {
      h << "<td class=\"text\">" << prose_lines(c->diagnosis);
      if (!c->fix.empty()) h << "<div class=\"fix\"><strong>Fix:</strong> " << prose_lines(c->fix) << "</div>";
      h << "</td>";
    }
    h << "</tr>\n";
  }
  h << "</tbody></table>\n";
}

void conformance(std::ostringstream& h, const RunRecord& run) {
  h << "<section id=\"conformance\"><h2>Conformance</h2>\n";
  if (run.checks.empty()) {
    h << "<p class=\"muted\">This record holds no conformance checks.</p></section>\n";
    return;
  }
  const auto matrix = check_matrix(run.checks);
  h << "<table class=\"matrix\"><thead><tr><th>Check</th>";
  for (const auto& e : matrix.environments) h << "<th>" << html_escape(e) << "</th>";
  h << "</tr></thead><tbody>\n";
  for (std::size_t i = 0; i < matrix.names.size(); ++i) {
    const auto& name = matrix.names[i];
    h << "<tr><th scope=\"row\">" << html_escape(name) << "<span>" << describe_check(name) << "</span></th>";
    for (const auto& cell : matrix.cells[i]) {
      if (cell.empty()) {
        h << "<td class=\"na\">not checked</td>";
        continue;
      }
      h << "<td>";
      for (const auto& [verdict, count] : {std::pair{Verdict::Fail, cell.fail}, std::pair{Verdict::Pass, cell.pass},
                                           std::pair{Verdict::Waived, cell.waived}})
        if (count) h << pill(name_of(verdict), std::to_string(count) + " " + std::string(name_of(verdict)));
      h << "</td>";
    }
    h << "</tr>\n";
  }
  h << "</tbody></table>\n";

  if (const auto shown = checks_not_passed(run.checks); !shown.empty()) {
    h << "<h3>Checks that did not pass</h3>\n";
    check_rows(h, shown, true);
  }
  std::vector<const Check*> passed;
  for (const auto& c : run.checks)
    if (c.verdict == Verdict::Pass) passed.push_back(&c);
  if (!passed.empty()) {
    h << "<details><summary>" << passed.size() << " passing check(s) and their evidence</summary>\n";
    check_rows(h, passed, false);
    h << "</details>\n";
  }
  h << "</section>\n";
}

const DeviceInfo* device_of(const RankRecord& r) {
  for (const auto& d : r.probe.devices)
    if (d.index == r.placement.device) return &d;
  return nullptr;
}

void gpus(std::ostringstream& h, const RunRecord& run) {
  h << "<section id=\"gpus\"><h2>GPUs</h2>\n<div class=\"wide\"><table><thead><tr><th>Rank</th><th>Host</th>"
       "<th>Device</th><th>GPU and UUID</th><th>Memory</th><th>Peak memory bandwidth</th><th>Driver</th>"
       "<th>CUDA runtime</th><th>State</th></tr></thead><tbody>\n";
  for (const auto& r : run.ranks) {
    const auto* d = device_of(r);
    const auto& p = r.probe;
    h << "<tr><td class=\"num\">" << r.placement.rank << "</td><td class=\"text\">" << html_escape(r.placement.host)
      << "</td><td class=\"num\">" << (r.placement.device >= 0 ? std::to_string(r.placement.device) : "-")
      << "</td><td>" << html_escape(d ? d->name : "-") << "<small class=\"uuid\">" << html_escape(d ? d->uuid : "")
      << "</small></td><td class=\"num\">"
      << (d ? fixed(static_cast<double>(d->memory_bytes) / (1024.0 * 1024 * 1024), 1) + " GiB" : "-")
      << "</td><td class=\"num\">" << (d ? fixed(d->peak_bandwidth_gbps(), 0) + " GB/s" : "-") << "</td><td>"
      << (p.driver_release.empty() && !p.driver_version
              ? std::string("unknown")
              : html_escape(p.driver_release.empty() ? "?" : p.driver_release) + " (CUDA " +
                    format_cuda_version(p.driver_version) + ")")
      << "</td><td>" << format_cuda_version(p.runtime_version) << "</td><td class=\"text\">"
      << (r.usable ? pill("pass", "usable") : pill("fail", "not usable") + " " + html_escape(r.problem))
      << "</td></tr>\n";
  }
  h << "</tbody></table></div></section>\n";
}

void figure(std::ostringstream& h, const std::string& svg, const std::string& caption) {
  h << "<figure>" << svg << "<figcaption>" << caption << "</figcaption></figure>\n";
}

void charts(std::ostringstream& h, const RunRecord& run) {
  h << "<section id=\"performance\"><h2>Performance</h2>\n";
  bool any = false;
  for (const auto& c : workload_charts(run)) {
    any = true;
    if (const auto* bars = std::get_if<BarChart>(&c.chart))
      figure(h, render_bar_chart(*bars), c.caption);
    else
      figure(h, render_log_x_chart(std::get<LineChart>(c.chart)), c.caption);
  }
  if (auto c = container_native_chart(run)) {
    any = true;
    figure(h, render_interval_chart(*c),
           "Container/native ratio of median times per workload and environment (below 1: the container is "
           "slower), the geometric mean over the workload's measurements (their number in brackets) with a "
           "bootstrap 95% interval. Solid line: parity; dashed: the " +
               fixed(c->threshold.value_or(kDefaultParityThreshold), 2) + " pass mark.");
  }
  if (!any) h << "<p class=\"muted\">No verified measurement to chart.</p>\n";
  h << "</section>\n";
}

std::string peak_fraction(const RunRecord& run, const ResultRecord& r) {
  if (!r.figures) return "-";
  const auto limit = physical_limit_gbps(run, r);
  return limit ? fixed(100.0 * r.figures->at_median / *limit, 1) + "%" : "-";
}

void results(std::ostringstream& h, const RunRecord& run) {
  if (results_by_measurement(run)) h << results_by_measurement_html(run);
  if (run.results.empty() || results_by_measurement(run)) return;
  const bool show_environment = results_name_environment(run);
  h << "<section id=\"results\"><h2>Results</h2>\n<div class=\"wide\"><table><thead><tr><th>Measurement</th>"
    << (show_environment ? "<th>Environment</th>" : "")
    << "<th>Rank</th><th>Status</th><th>Median</th><th>Best</th><th>CV</th><th>Of peak</th>"
       "<th>Verification</th><th>Note</th></tr></thead><tbody>\n";
  for (const auto& r : run.results) {
    const std::string unit(unit_of(r.measurement.metric));
    const auto& v = r.reply.verification;
    std::string verification = "-";
    if (r.reply.status != RunStatus::Unavailable && r.reply.status != RunStatus::Waived)
      verification =
          v.checked ? std::to_string(v.mismatches) + " wrong of " + count_text(v.checked) : std::string("not verified");
    h << "<tr><td class=\"id\"><code>" << html_escape(r.measurement.id) << "</code></td>";
    if (show_environment) h << "<td>" << html_escape(environment_of(r)) << "</td>";
    h << "<td class=\"num\">" << r.placement.rank << "</td><td>"
      << pill(name_of(r.reply.status), std::string(name_of(r.reply.status))) << "</td><td class=\"num\">"
      << (r.figures ? fixed(r.figures->at_median, 1) + " " + unit : "-") << "</td><td class=\"num\">"
      << (r.figures ? fixed(r.figures->best, 1) + " " + unit : "-") << "</td><td class=\"num\">"
      << (r.time ? fixed(100.0 * r.time->cv, 2) + "%" : "-") << "</td><td class=\"num\">" << peak_fraction(run, r)
      << "</td><td class=\"nowrap\">" << html_escape(verification) << "</td><td class=\"text note\">"
      << prose(r.reply.message) << "</td></tr>\n";
  }
  h << "</tbody></table></div></section>\n";
}

void diagnoses(std::ostringstream& h, const RunRecord& run) {
  bool heading = false;
  for (const auto& r : run.ranks) {
    if (r.usable && r.diagnoses.empty()) continue;
    if (!heading) h << "<section id=\"doctor\"><h2>Why CUDA is not available</h2>\n";
    heading = true;
    h << "<h3>Rank " << r.placement.rank << " on " << html_escape(r.placement.host) << "</h3>\n";
    if (r.probe.cuda_error)
      h << "<p>CUDA said: <code>" << html_escape(r.probe.cuda_error->call) << "</code> returned "
        << html_escape(r.probe.cuda_error->name) << " (" << r.probe.cuda_error->code
        << "): " << html_escape(r.probe.cuda_error->message) << "</p>\n";
    else if (!r.problem.empty())
      h << "<p>" << html_escape(r.problem) << "</p>\n";
    h << "<ul class=\"diagnoses\">\n";
    for (const auto& d : r.diagnoses)
      h << "<li><strong>" << prose(d.summary) << "</strong> <span class=\"muted\">(" << html_escape(d.cause)
        << ")</span><br>" << prose(d.explanation) << "<p class=\"fix\"><strong>Fix:</strong> " << prose(d.fix)
        << "</p></li>\n";
    h << "</ul>\n";
  }
  if (heading) h << "</section>\n";
}

// The suite's measurements without any result (also where no GPU could run them), and what reading the results
// skipped: an incomplete run says what it lacks.
void not_run(std::ostringstream& h, const RunRecord& run) {
  std::set<std::string> measured;
  for (const auto& r : run.results) measured.insert(r.measurement.id);
  std::vector<std::string> missing;
  for (const auto& id : run.plan)
    if (!measured.count(id)) missing.push_back(id);
  if (missing.empty() && run.warnings.empty()) return;
  h << "<section id=\"not-run\">";
  if (!missing.empty()) {
    h << "<h2>Not run</h2>\n<p>" << missing.size() << " of " << run.plan.size()
      << " measurement(s) of the suite have no result"
      << (run.interrupted.empty() ? "" : " (the run was stopped by " + html_escape(run.interrupted) + ")")
      << ":</p>\n<ul>";
    constexpr std::size_t kListed = 100;
    for (std::size_t i = 0; i < missing.size() && i < kListed; ++i)
      h << "<li><code>" << html_escape(missing[i]) << "</code></li>";
    if (missing.size() > kListed) h << "<li>and " << missing.size() - kListed << " more</li>";
    h << "</ul>\n";
  }
  if (!run.warnings.empty()) {
    h << "<h2>Warnings</h2>\n<ul>";
    for (const auto& w : run.warnings) h << "<li>" << html_escape(w) << "</li>";
    h << "</ul>\n";
  }
  h << "</section>\n";
}

}  // namespace

std::string render_html(const RunRecord& run) {
  const int code = run.exit_code();
  const char* word = verdict_word(code);
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    << "<title>gpucert report: " << html_escape(run.suite_name) << " &mdash; " << word << "</title>"
    << "<style>" << kStyle << "</style></head><body>\n";
  banner(h, run);
  h << suspects_html(run);
  not_run(h, run);
  h << cuda_matrix_html(run);
  conformance(h, run);
  gpus(h, run);
  h << health_html(run);
  charts(h, run);
  results(h, run);
  diagnoses(h, run);
  h << "<footer>gpucert " << html_escape(run.build.version)
    << (run.build.git.empty() ? "" : " (" + html_escape(run.build.git) + ")") << ", built with CUDA "
    << format_cuda_version(run.build.cuda_build_version) << " for sm_" << html_escape(run.build.architectures)
    << ". Command: <code>" << html_escape(run.command)
    << "</code>. Times are device times from CUDA events; "
       "figures use the median of the repetitions (best: the fastest run).</footer>\n</body></html>\n";
  return h.str();
}

}  // namespace gpucert::reports

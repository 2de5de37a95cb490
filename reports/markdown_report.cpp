#include "markdown_report.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>
#include <string_view>

#include "core/conformance.hpp"
#include "chart_data.hpp"
#include "cluster_sections.hpp"
#include "cuda_matrix.hpp"
#include "health_report.hpp"
#include "run_facts.hpp"

namespace gpucert::reports {
namespace {

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string percent(double fraction) { return fixed(fraction * 100.0, 1) + "%"; }

std::string verification_text(const ResultRecord& r) {
  const auto& v = r.reply.verification;
  if (r.reply.status == RunStatus::Unavailable || r.reply.status == RunStatus::Waived) return "-";
  if (v.checked == 0) return "not verified";
  std::string text = std::to_string(v.mismatches) + " wrong of " + std::to_string(v.checked);
  if (v.tolerance > 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " (max rel %.1e, limit %.0e)", v.max_rel_error, v.tolerance);
    text += buf;
  }
  return text;
}

// Text for one line of prose outside a table: line breaks folded, so a list item holds together. Pipes stay
// bare: outside a table they break nothing, and inside `code` an escaping backslash would be printed.
std::string markdown_line(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

// One cell of the conformance matrix: "**1 fail**, 2 pass, 1 waived", or "not checked".
std::string counts_text(const VerdictCounts& n) {
  if (n.empty()) return "not checked";
  std::string out;
  const auto add = [&out](std::size_t count, const std::string& text) {
    if (count) out += (out.empty() ? "" : ", ") + text;
  };
  add(n.fail, "**" + std::to_string(n.fail) + " fail**");
  add(n.pass, std::to_string(n.pass) + " pass");
  add(n.waived, std::to_string(n.waived) + " waived");
  return out;
}

// A check's diagnosis or fix (one per line when several) as one item of a list, or as nested items.
void list_lines(std::ostringstream& md, const std::string& label, const std::string& text) {
  if (text.empty()) return;
  if (text.find('\n') == std::string::npos) {
    md << "  - " << label << ": " << markdown_line(text) << "\n";
    return;
  }
  md << "  - " << label << ":\n";
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    if (end > start) md << "    - " << markdown_line(text.substr(start, end - start)) << "\n";
    start = end + 1;
  }
}

void conformance(std::ostringstream& md, const RunRecord& run) {
  if (run.checks.empty()) return;
  const auto matrix = check_matrix(run.checks);
  md << "## Conformance\n\n| Check |";
  for (const auto& e : matrix.environments) md << " " << markdown_cell(e) << " |";
  md << "\n|---|";
  for (std::size_t j = 0; j < matrix.environments.size(); ++j) md << "---|";
  md << "\n";
  for (std::size_t i = 0; i < matrix.names.size(); ++i) {
    md << "| " << markdown_cell(matrix.names[i]) << " |";
    for (const auto& cell : matrix.cells[i]) md << " " << counts_text(cell) << " |";
    md << "\n";
  }
  md << "\n";
  const auto shown = checks_not_passed(run.checks);
  if (!shown.empty()) {
    md << "### Checks that did not pass\n\n";
    for (const auto* c : shown) {
      md << "- **" << name_of(c->verdict) << "** `" << markdown_line(c->name) << "` in "
         << markdown_line(c->environment) << (c->subject.empty() ? "" : ", " + markdown_line(c->subject)) << ": "
         << markdown_line(c->evidence) << "\n";
      list_lines(md, "Diagnosis", c->diagnosis);
      list_lines(md, "Fix", c->fix);
    }
    md << "\n";
  }
  const auto passed = count_verdict(run.checks, Verdict::Pass);
  if (passed) md << passed << " check(s) passed; report.html and junit.xml give the evidence of each.\n\n";
}

void environments(std::ostringstream& md, const RunRecord& run) {
  if (run.environments.empty()) return;
  md << "## Container environments\n\n| Name | Runtime | Image | Flavor | Ranks usable |\n"
        "|---|---|---|---|---:|\n";
  for (const auto& e : run.environments) {
    std::size_t usable = 0;
    for (const auto& r : e.ranks) usable += r.usable ? 1 : 0;
    md << "| " << markdown_cell(e.name) << " | " << markdown_cell(e.runtime) << " | " << markdown_cell(e.image) << " | "
       << (e.flavor.empty() ? "-" : markdown_cell(e.flavor)) << " | " << usable << " of " << e.ranks.size() << " |\n";
  }
  md << "\n";
}

void parity(std::ostringstream& md, const RunRecord& run) {
  const auto rows = parity_rows(run);
  if (rows.empty()) return;
  md << "## Container/native parity\n\n| Environment | Workload | Ratio | 95% interval | Pairs | Verdict |\n"
        "|---|---|---:|---:|---:|---|\n";
  for (const auto& row : rows) {
    const auto& e = row.estimate;
    std::string verdict = row.verdict ? std::string(name_of(*row.verdict)) : std::string("not checked");
    if (row.verdict == Verdict::Fail) verdict = "**" + verdict + "**";
    md << "| " << markdown_cell(e.environment) << " | " << markdown_cell(e.workload) << " | " << fixed(e.ratio, 3)
       << " | " << fixed(e.low, 3) << " to " << fixed(e.high, 3) << " | " << e.pairs << " | " << verdict << " |\n";
  }
  md << "\nRatio: native median time over container median time (below 1: the container is slower), the geometric "
        "mean over the workload's measurement and rank pairs, with a bootstrap 95% interval; performance-parity "
        "fails only when the whole interval lies below its threshold.\n\n";
}

// The suite's measurements without any result (also where no GPU could run them: every measurement of the suite
// appears in the report), and what reading the results skipped.
void not_run(std::ostringstream& md, const RunRecord& run) {
  std::set<std::string> measured;
  for (const auto& r : run.results) measured.insert(r.measurement.id);
  std::vector<std::string> missing;
  for (const auto& id : run.plan)
    if (!measured.count(id)) missing.push_back(id);
  if (!missing.empty()) {
    md << "## Not run\n\n"
       << missing.size() << " of " << run.plan.size() << " measurement(s) of the suite have no result"
       << (run.interrupted.empty() ? "" : " (the run was stopped by " + run.interrupted + ")") << ":\n\n";
    constexpr std::size_t kListed = 100;
    for (std::size_t i = 0; i < missing.size() && i < kListed; ++i) md << "- `" << markdown_line(missing[i]) << "`\n";
    if (missing.size() > kListed) md << "- and " << missing.size() - kListed << " more\n";
    md << "\n";
  }
  if (!run.warnings.empty()) {
    md << "## Warnings\n\n";
    for (const auto& w : run.warnings) md << "- " << markdown_cell(w) << "\n";
    md << "\n";
  }
}

}  // namespace

std::string markdown_cell(const std::string& text) {
  // CommonMark lets a backslash escape any ASCII punctuation: these are the characters that would otherwise start
  // markup (emphasis, links, code, raw HTML, entities) or end the table cell, in text gpucert does not control
  // (error messages, host and GPU names, stderr).
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*<>[]|&").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string render_markdown(const RunRecord& run) {
  std::ostringstream md;
  const int code = run.exit_code();
  const char* word = verdict_word(code);
  md << "# gpucert report: " << markdown_cell(run.suite_name) << "\n\n";
  md << "**" << word << "**: " << markdown_cell(run.verdict()) << " (exit code " << code << ")\n\n";

  const auto facts = run_facts(run);
  md << "| | |\n|---|---|\n";
  md << "| Suite | " << markdown_cell(run.suite_name) << " (" << markdown_cell(run.suite_source) << ") |\n";
  md << "| Time | " << run.started << " to " << run.finished << " |\n";
  md << "| Hosts | " << markdown_cell(facts.hosts) << " |\n";
  md << "| Ranks | " << run.ranks.size() << " |\n";
  md << "| Driver | " << markdown_cell(facts.drivers) << " |\n";
  md << "| CUDA runtime | " << markdown_cell(facts.runtimes) << " |\n";
  md << "| gpucert | " << markdown_cell(run.build.version) << ", built with CUDA "
     << format_cuda_version(run.build.cuda_build_version) << " for CUDA architectures "
     << markdown_cell(run.build.architectures) << " |\n"
     << scheduler_markdown_row(run) << "\n";

  md << suspects_markdown(run);
  not_run(md, run);
  md << cuda_matrix_markdown(run);
  conformance(md, run);

  md << "## GPUs\n\n| Rank | Host | Device | Name | Memory | Peak memory bandwidth | State |\n"
        "|---:|---|---:|---|---:|---:|---|\n";
  for (const auto& r : run.ranks) {
    const DeviceInfo* d = nullptr;
    for (const auto& dev : r.probe.devices)
      if (dev.index == r.placement.device) d = &dev;
    md << "| " << r.placement.rank << " | " << markdown_cell(r.placement.host) << " | "
       << (r.placement.device >= 0 ? std::to_string(r.placement.device) : "-") << " | "
       << markdown_cell(d ? d->name : "-") << " | "
       << (d ? fixed(static_cast<double>(d->memory_bytes) / (1024.0 * 1024 * 1024), 1) + " GiB" : "-") << " | "
       << (d ? fixed(d->peak_bandwidth_gbps(), 0) + " GB/s" : "-") << " | "
       << (r.usable ? "usable" : "**not usable**: " + markdown_cell(r.problem)) << " |\n";
  }
  md << "\n";
  environments(md, run);

  bool busbw = false;
  if (results_by_measurement(run)) md << results_by_measurement_markdown(run);
  if (!run.results.empty() && !results_by_measurement(run)) {
    const bool show_environment = results_name_environment(run);
    md << "## Results\n\n| Measurement |" << (show_environment ? " Environment |" : "")
       << " Rank | Status | Median | Best | CV | Fraction of peak | Verification |\n|---|"
       << (show_environment ? "---|" : "") << "---:|---|---:|---:|---:|---:|---|\n";
    for (const auto& r : run.results) {
      std::string median = "-", best = "-", cv = "-", peak = "-";
      if (r.figures) {
        const std::string unit(unit_of(r.measurement.metric));
        // nccl-tests' readers compare bus bandwidth: the nccl rows give it, labelled, in place of algbw.
        const auto& shown = r.bus_figures ? *r.bus_figures : *r.figures;
        const std::string label = r.bus_figures ? " busbw" : "";
        busbw = busbw || r.bus_figures.has_value();
        median = fixed(shown.at_median, 1) + " " + unit + label;
        best = fixed(shown.best, 1) + " " + unit + label;
        cv = percent(r.time->cv);
        if (const auto limit = physical_limit_gbps(run, r)) peak = percent(r.figures->at_median / *limit);
      }
      std::string status(name_of(r.reply.status));
      if (is_failure(r)) status = "**" + status + "**";
      md << "| " << markdown_cell(r.measurement.id) << " | "
         << (show_environment ? markdown_cell(environment_of(r)) + " | " : "") << r.placement.rank << " | " << status
         << " | " << median << " | " << best << " | " << cv << " | " << peak << " | "
         << markdown_cell(verification_text(r)) << " |\n";
    }
    md << "\n";
    bool notes = false;
    for (const auto& r : run.results) {
      if (r.reply.status == RunStatus::Ok || r.reply.message.empty()) continue;
      if (!notes) md << "### Notes on results\n\n";
      notes = true;
      md << "- `" << markdown_cell(r.measurement.id) << "` on rank " << r.placement.rank
         << (environment_of(r) == kNativeEnvironment ? "" : " in " + markdown_line(environment_of(r))) << " ("
         << name_of(r.reply.status) << "): " << markdown_cell(r.reply.message) << "\n";
    }
    if (notes) md << "\n";
  }
  parity(md, run);
  md << health_markdown(run);

  bool heading = false;
  for (const auto& r : run.ranks) {
    if (r.usable && r.diagnoses.empty()) continue;
    if (!heading) md << "## Ranks that could not run\n\n";
    heading = true;
    md << "### Rank " << r.placement.rank << " on " << markdown_cell(r.placement.host) << "\n\n";
    if (!r.problem.empty() && !r.probe.cuda_error) md << markdown_line(r.problem) << "\n\n";
    if (r.probe.cuda_error)
      md << "CUDA said: `" << r.probe.cuda_error->call << "` returned " << r.probe.cuda_error->name << " ("
         << r.probe.cuda_error->code << "): " << markdown_cell(r.probe.cuda_error->message) << "\n\n";
    if (!r.diagnoses.empty()) md << "Why CUDA is not available:\n\n";
    for (const auto& d : r.diagnoses)
      md << "- **" << markdown_line(d.summary) << "** (`" << d.cause << "`)\n  - Why: " << markdown_line(d.explanation)
         << "\n  - Fix: " << markdown_line(d.fix) << "\n";
    md << "\n";
  }
  md << "Times are device times from CUDA events; figures use the median of "
     << "the repetitions (best = fastest run). Bandwidth counts BabelStream's bytes per kernel, in GB/s "
        "(1e9 B/s).";
  if (busbw)
    md << " NCCL rows give nccl-tests' bus bandwidth (busbw): the algorithm bandwidth times the collective's "
          "correction for its rank count, 2(n-1)/n for all_reduce; report.json holds both.";
  md << "\n";
  return md.str();
}

}  // namespace gpucert::reports

#include "markdown_report.hpp"

#include <cstdio>
#include <sstream>

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

}  // namespace

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
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
     << markdown_cell(run.build.architectures)
     << " |\n\n";

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

  if (!run.results.empty()) {
    md << "## Results\n\n| Measurement | Rank | Status | Median | Best | CV | Fraction of peak | Verification |\n"
          "|---|---:|---|---:|---:|---:|---:|---|\n";
    for (const auto& r : run.results) {
      std::string median = "-", best = "-", cv = "-", peak = "-";
      if (r.figures) {
        const std::string unit(unit_of(r.measurement.metric));
        median = fixed(r.figures->at_median, 1) + " " + unit;
        best = fixed(r.figures->best, 1) + " " + unit;
        cv = percent(r.time->cv);
        if (r.measurement.workload == "stream")
          for (const auto& rank : run.ranks)
            for (const auto& dev : rank.probe.devices)
              if (rank.placement.rank == r.placement.rank && dev.index == r.placement.device &&
                  dev.peak_bandwidth_gbps() > 0)
                peak = percent(r.figures->at_median / dev.peak_bandwidth_gbps());
      }
      std::string status(name_of(r.reply.status));
      if (is_failure(r)) status = "**" + status + "**";
      md << "| " << markdown_cell(r.measurement.id) << " | " << r.placement.rank << " | " << status << " | "
         << median << " | " << best << " | " << cv << " | " << peak << " | "
         << markdown_cell(verification_text(r)) << " |\n";
    }
    md << "\n";
    bool notes = false;
    for (const auto& r : run.results) {
      if (r.reply.status == RunStatus::Ok || r.reply.message.empty()) continue;
      if (!notes) md << "### Notes on results\n\n";
      notes = true;
      md << "- `" << markdown_cell(r.measurement.id) << "` on rank " << r.placement.rank << " ("
         << name_of(r.reply.status) << "): " << markdown_cell(r.reply.message) << "\n";
    }
    if (notes) md << "\n";
  }

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
  md << "Times are device times from CUDA events; figures use the median of " <<
        "the repetitions (best = fastest run). Bandwidth counts BabelStream's bytes per kernel, in GB/s "
        "(1e9 B/s).\n";
  return md.str();
}

}  // namespace gpucert::reports

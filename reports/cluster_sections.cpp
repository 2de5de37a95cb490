#include "cluster_sections.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "core/json_fields.hpp"
#include "core/node_verdicts.hpp"
#include "escape.hpp"
#include "markdown_report.hpp"
#include "report_files.hpp"

namespace gpucert::reports {
namespace {

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * fraction);
  return buf;
}

std::string kind_text(SuspectKind kind) {
  return kind == SuspectKind::Gpu ? "GPU" : kind == SuspectKind::Node ? "node" : "node pair";
}

// What was compared, in one sentence: the reader's key to every entry below it.
std::string scope_text(const OutlierAnalysis& a) {
  const OutlierOptions rule;
  std::string text = "Each GPU's figures against the other GPUs of its model in this run (" +
                     std::to_string(a.figures_judged) + " figures in " + std::to_string(a.groups_judged) +
                     " peer groups)";
  if (a.nccl_groups_judged)
    text += ", and NCCL per node and per node pair (" + std::to_string(a.nccl_groups_judged) + " communicators)";
  char rule_text[160];
  std::snprintf(rule_text, sizeof rule_text,
                ". A figure stands out when it is at least %.0f robust deviations (MADs) and %.0f%% below its "
                "peers' median.",
                rule.min_mads, 100 * rule.min_gap);
  return text + rule_text;
}

bool worth_a_section(const RunRecord& run, const OutlierAnalysis& a) {
  return !run.results.empty() || !a.suspects.empty();
}

std::string scheduler_text(const nlohmann::json& job) {
  std::string text = job.value("job_id", "");
  std::vector<std::string> asides;
  for (const char* key : {"cluster", "partition", "job_name"})
    if (job.contains(key)) asides.push_back(job[key].get<std::string>());
  if (!asides.empty()) {
    text += " (";
    for (std::size_t i = 0; i < asides.size(); ++i) text += (i ? ", " : "") + asides[i];
    text += ")";
  }
  if (job.contains("nodelist")) text += ", nodes " + job["nodelist"].get<std::string>();
  return text;
}

// One measurement in one environment over every rank that reported it.
struct MeasurementRow {
  std::string environment, id, unit;
  std::vector<double> figures;
  double low = 0, high = 0;
  int low_rank = -1, high_rank = -1;
  std::size_t passed = 0, not_passed = 0;
};

struct Rows {
  std::vector<MeasurementRow> rows;
  std::vector<const ResultRecord*> not_passed;
};

Rows measurement_rows(const RunRecord& run) {
  Rows out;
  std::unordered_map<std::string, std::size_t> index;
  for (const auto& r : run.results) {
    const auto [it, added] = index.try_emplace(r.environment + '\n' + r.measurement.id, out.rows.size());
    if (added)
      out.rows.push_back({r.environment,
                          r.measurement.id,
                          std::string(unit_of(r.measurement.metric)) + (r.bus_figures ? " busbw" : ""),
                          {},
                          0,
                          0,
                          -1,
                          -1,
                          0,
                          0});
    auto& row = out.rows[it->second];
    if (r.reply.status != RunStatus::Ok) {
      ++row.not_passed;
      out.not_passed.push_back(&r);
    } else {
      ++row.passed;
    }
    const auto* f = r.bus_figures ? &*r.bus_figures : r.figures ? &*r.figures : nullptr;
    if (!f) continue;
    if (row.figures.empty() || f->at_median < row.low) row.low = f->at_median, row.low_rank = r.placement.rank;
    if (row.figures.empty() || f->at_median > row.high) row.high = f->at_median, row.high_rank = r.placement.rank;
    row.figures.push_back(f->at_median);
  }
  return out;
}

std::string fixed1(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  return buf;
}

double median_of(std::vector<double> values) {
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

constexpr std::size_t kNotPassedShown = 200;

}  // namespace

bool results_by_measurement(const RunRecord& run) { return run.ranks.size() > kRanksWithResultRows; }

std::string results_by_measurement_markdown(const RunRecord& run) {
  if (run.results.empty()) return {};
  const auto rows = measurement_rows(run);
  const bool show_environment = !run.environments.empty();
  std::string md = "## Results\n\nOne row per measurement over the " + std::to_string(run.ranks.size()) +
                   " ranks (report.json and junit.xml hold every result).\n\n| Measurement |" +
                   (show_environment ? " Environment |" : "") +
                   " Passed | Not passed | Median over ranks | Lowest (rank) | Highest (rank) |\n|---|" +
                   (show_environment ? "---|" : "") + "---:|---:|---:|---:|---:|\n";
  for (const auto& row : rows.rows) {
    md += "| " + markdown_cell(row.id) + " | " + (show_environment ? markdown_cell(row.environment) + " | " : "") +
          std::to_string(row.passed) + " | " + (row.not_passed ? "**" + std::to_string(row.not_passed) + "**" : "0") +
          " | ";
    if (row.figures.empty()) {
      md += "- | - | - |\n";
      continue;
    }
    md += fixed1(median_of(row.figures)) + " " + row.unit + " | " + fixed1(row.low) + " (" +
          std::to_string(row.low_rank) + ") | " + fixed1(row.high) + " (" + std::to_string(row.high_rank) + ") |\n";
  }
  md += "\n";
  if (!rows.not_passed.empty()) {
    md += "### Results that did not pass\n\n";
    for (std::size_t i = 0; i < rows.not_passed.size() && i < kNotPassedShown; ++i) {
      const auto& r = *rows.not_passed[i];
      md += "- `" + markdown_cell(r.measurement.id) + "` on rank " + std::to_string(r.placement.rank) + " (" +
            markdown_cell(r.placement.host) + ")" +
            (r.environment == kNativeEnvironment ? "" : " in " + markdown_cell(r.environment)) + ": " +
            std::string(name_of(r.reply.status)) +
            (r.reply.message.empty() ? "" : ", " + markdown_cell(r.reply.message)) + "\n";
    }
    if (rows.not_passed.size() > kNotPassedShown)
      md += "- and " + std::to_string(rows.not_passed.size() - kNotPassedShown) + " more (report.json)\n";
    md += "\n";
  }
  return md;
}

std::string results_by_measurement_html(const RunRecord& run) {
  if (run.results.empty()) return {};
  const auto rows = measurement_rows(run);
  const bool show_environment = !run.environments.empty();
  std::string h = "<section id=\"results\"><h2>Results</h2>\n<p class=\"muted\">One row per measurement over the " +
                  std::to_string(run.ranks.size()) +
                  " ranks (report.json and junit.xml hold every result).</p>\n<div class=\"wide\"><table><thead><tr>"
                  "<th>Measurement</th>" +
                  std::string(show_environment ? "<th>Environment</th>" : "") +
                  "<th>Passed</th><th>Not passed</th><th>Median over ranks</th><th>Lowest (rank)</th>"
                  "<th>Highest (rank)</th></tr></thead><tbody>\n";
  for (const auto& row : rows.rows) {
    h += "<tr><td class=\"id\"><code>" + html_escape(row.id) + "</code></td>" +
         (show_environment ? "<td>" + html_escape(row.environment) + "</td>" : "") + "<td class=\"num\">" +
         std::to_string(row.passed) + "</td><td class=\"num\">" +
         (row.not_passed ? "<span class=\"pill fail\">" + std::to_string(row.not_passed) + "</span>" : "0") + "</td>";
    if (row.figures.empty()) {
      h += "<td class=\"num\">-</td><td class=\"num\">-</td><td class=\"num\">-</td></tr>\n";
      continue;
    }
    h += "<td class=\"num\">" + fixed1(median_of(row.figures)) + " " + html_escape(row.unit) +
         "</td><td class=\"num\">" + fixed1(row.low) + " (" + std::to_string(row.low_rank) +
         ")</td><td class=\"num\">" + fixed1(row.high) + " (" + std::to_string(row.high_rank) + ")</td></tr>\n";
  }
  h += "</tbody></table></div>\n";
  if (!rows.not_passed.empty()) {
    h += "<h3>Results that did not pass</h3>\n<ul class=\"lines\">";
    for (std::size_t i = 0; i < rows.not_passed.size() && i < kNotPassedShown; ++i) {
      const auto& r = *rows.not_passed[i];
      h += "<li><code>" + html_escape(r.measurement.id) + "</code> on rank " + std::to_string(r.placement.rank) + " (" +
           html_escape(r.placement.host) + ")" +
           (r.environment == kNativeEnvironment ? "" : " in " + html_escape(r.environment)) + ": " +
           std::string(name_of(r.reply.status)) + (r.reply.message.empty() ? "" : ", " + html_escape(r.reply.message)) +
           "</li>";
    }
    if (rows.not_passed.size() > kNotPassedShown)
      h += "<li>and " + std::to_string(rows.not_passed.size() - kNotPassedShown) + " more (report.json)</li>";
    h += "</ul>\n";
  }
  return h + "</section>\n";
}

std::string suspects_markdown(const RunRecord& run) {
  const auto peers = peers_of(run);
  const auto& a = *peers;
  if (!worth_a_section(run, a)) return {};
  std::string md = "## Suspects\n\n";
  if (a.figures_judged + a.nccl_groups_judged == 0 && a.suspects.empty()) {
    md += "Not judged against peers: " + (a.notes.empty() ? std::string("nothing to compare") : join(a.notes, "; ")) +
          ".\n\n";
    return md;
  }
  md += scope_text(a) + "\n\n";
  if (a.suspects.empty()) md += "No GPU, node or node pair stands out from its peers.\n\n";
  for (std::size_t i = 0; i < a.suspects.size() && i < kSuspectsShown; ++i) {
    const auto& s = a.suspects[i];
    md += std::to_string(i + 1) + ". **" + kind_text(s.kind) + " " + markdown_cell(s.subject) + "**: up to " +
          percent(s.worst_gap) + " below its peers, " + std::to_string(s.figures) + " figure(s)\n";
    for (const auto& line : s.evidence) md += "   - " + markdown_cell(line) + "\n";
  }
  if (a.suspects.size() > kSuspectsShown)
    md += "\nand " + std::to_string(a.suspects.size() - kSuspectsShown) +
          " more suspects: report.json and nodes.json list them all.\n";
  if (!a.suspects.empty()) md += "\n";
  for (const auto& n : a.notes) md += "Note: " + markdown_cell(n) + ".\n";
  if (!a.notes.empty()) md += "\n";
  return md;
}

std::string suspects_html(const RunRecord& run) {
  const auto peers = peers_of(run);
  const auto& a = *peers;
  if (!worth_a_section(run, a)) return {};
  std::string h = "<section id=\"suspects\"><h2>Suspects</h2>\n";
  if (a.figures_judged + a.nccl_groups_judged == 0 && a.suspects.empty())
    return h + "<p>Not judged against peers: " +
           html_escape(a.notes.empty() ? std::string("nothing to compare") : join(a.notes, "; ")) + ".</p></section>\n";
  h += "<p class=\"muted\">" + html_escape(scope_text(a)) + "</p>\n";
  if (a.suspects.empty())
    h += "<p>" + std::string("<span class=\"pill pass\">none</span> ") +
         "No GPU, node or node pair stands out from its peers.</p>\n";
  else
    h += "<ol class=\"suspects\">\n";
  for (std::size_t i = 0; i < a.suspects.size() && i < kSuspectsShown; ++i) {
    const auto& s = a.suspects[i];
    h += "<li><span class=\"pill fail\">" + html_escape(kind_text(s.kind)) + "</span> <strong>" +
         html_escape(s.subject) + "</strong>: up to " + percent(s.worst_gap) + " below its peers, " +
         std::to_string(s.figures) + " figure(s)<ul class=\"lines\">";
    for (const auto& line : s.evidence) h += "<li>" + html_escape(line) + "</li>";
    h += "</ul></li>\n";
  }
  if (!a.suspects.empty()) h += "</ol>\n";
  if (a.suspects.size() > kSuspectsShown)
    h += "<p>and " + std::to_string(a.suspects.size() - kSuspectsShown) +
         " more suspects: report.json and nodes.json list them all.</p>\n";
  for (const auto& n : a.notes) h += "<p class=\"muted\">Note: " + html_escape(n) + ".</p>\n";
  return h + "</section>\n";
}

std::string scheduler_markdown_row(const RunRecord& run) {
  const auto job = scheduler_job(run);
  if (job.empty()) return {};
  return "| Slurm job | " + markdown_cell(scheduler_text(job)) + " |\n";
}

std::string scheduler_html_row(const RunRecord& run) {
  const auto job = scheduler_job(run);
  if (job.empty()) return {};
  return "<dt>Slurm job</dt><dd>" + html_escape(scheduler_text(job)) + "</dd>";
}

Status write_node_verdicts(const RunRecord& run, const std::filesystem::path& dir) {
  const auto verdicts = node_verdicts(run, *peers_of(run));
  if (auto s = write_file_atomically(dir / "nodes.json", json_text(to_json(run, verdicts), 2)); !s) return s;
  return write_file_atomically(dir / "failed-nodes.txt", failed_nodes_text(verdicts));
}

}  // namespace gpucert::reports

#include "cluster_sections.hpp"

#include <cstdio>

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

}  // namespace

std::string suspects_markdown(const RunRecord& run) {
  const auto a = find_outliers(run);
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
  const auto a = find_outliers(run);
  if (!worth_a_section(run, a)) return {};
  std::string h = "<section id=\"suspects\"><h2>Suspects</h2>\n";
  if (a.figures_judged + a.nccl_groups_judged == 0 && a.suspects.empty())
    return h + "<p>Not judged against peers: " +
           html_escape(a.notes.empty() ? std::string("nothing to compare") : join(a.notes, "; ")) +
           ".</p></section>\n";
  h += "<p class=\"muted\">" + html_escape(scope_text(a)) + "</p>\n";
  if (a.suspects.empty()) h += "<p>" + std::string("<span class=\"pill pass\">none</span> ") +
                               "No GPU, node or node pair stands out from its peers.</p>\n";
  else h += "<ol class=\"suspects\">\n";
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
  const auto verdicts = node_verdicts(run, find_outliers(run));
  if (auto s = write_file_atomically(dir / "nodes.json", json_text(to_json(run, verdicts), 2)); !s) return s;
  return write_file_atomically(dir / "failed-nodes.txt", failed_nodes_text(verdicts));
}

}  // namespace gpucert::reports

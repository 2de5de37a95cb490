#include "cuda_matrix.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "escape.hpp"

namespace gpucert::reports {
namespace {

// "13.0.2" -> "13.0"
std::string major_minor(const std::string& version) {
  const auto first = version.find('.');
  if (first == std::string::npos) return version;
  const auto second = version.find('.', first + 1);
  return version.substr(0, second);
}

// The version a cell belongs to: the image's CUDA_VERSION, else the "cuda<version>-" of its planned name.
std::string version_of(const EnvironmentRecord& e) {
  if (e.image_facts)
    if (auto it = e.image_facts->env.find("CUDA_VERSION"); it != e.image_facts->env.end() && !it->second.empty())
      return major_minor(it->second);
  if (e.name.rfind("cuda", 0) == 0)
    if (auto dash = e.name.find('-'); dash != std::string::npos) return major_minor(e.name.substr(4, dash - 4));
  for (const auto& r : e.ranks)
    if (r.probe.runtime_version > 0) return format_cuda_version(r.probe.runtime_version);
  return {};
}

bool older(const std::string& a, const std::string& b) {
  return parse_cuda_version(a) != parse_cuda_version(b) ? parse_cuda_version(a) < parse_cuda_version(b) : a < b;
}

std::string fixed3(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", v);
  return text;
}

std::string verdict_of(const CudaMatrixCell& c) {
  if (c.environment.empty()) return "not run";
  if (c.checks.fail) return "FAILED";
  if (!c.usable) return "NOT RUN";
  return "PASSED";
}

std::string framework_text(const CudaMatrixCell& c) {
  if (!c.framework) return "no PyTorch";
  return *c.framework == Verdict::Fail ? "PyTorch misaligned" : "PyTorch aligned";
}

}  // namespace

CudaMatrix cuda_matrix(const RunRecord& run) {
  CudaMatrix m;
  std::map<std::string, std::map<std::string, const EnvironmentRecord*>> by_version;
  bool planned_per_version = false;
  for (const auto& e : run.environments) {
    if (e.flavor.empty()) continue;
    const auto v = version_of(e);
    if (v.empty()) continue;
    planned_per_version = planned_per_version || e.name.rfind("cuda", 0) == 0;
    by_version[v][e.flavor] = &e;
    if (std::find(m.flavors.begin(), m.flavors.end(), e.flavor) == m.flavors.end()) m.flavors.push_back(e.flavor);
  }
  if (by_version.size() < 2 && !planned_per_version) return {};
  for (const auto& [v, _] : by_version) m.versions.push_back(v);
  std::sort(m.versions.begin(), m.versions.end(), older);

  const auto parity = parity_rows(run);
  for (const auto& v : m.versions) {
    std::vector<CudaMatrixCell> row;
    for (const auto& f : m.flavors) {
      CudaMatrixCell cell;
      const auto it = by_version[v].find(f);
      if (it != by_version[v].end()) {
        const auto& e = *it->second;
        cell.environment = e.name;
        for (const auto& r : e.ranks) cell.usable = cell.usable || r.usable;
        for (const auto& c : run.checks) {
          if (c.environment != e.name) continue;
          (c.verdict == Verdict::Pass   ? cell.checks.pass
           : c.verdict == Verdict::Fail ? cell.checks.fail
                                        : cell.checks.waived)++;
          if (c.name == "framework-alignment")
            cell.framework = cell.framework == Verdict::Fail ? Verdict::Fail : c.verdict;
        }
        for (const auto& p : parity)
          if (p.estimate.environment == e.name && (!cell.worst_parity || p.estimate.ratio < *cell.worst_parity)) {
            cell.worst_parity = p.estimate.ratio;
            cell.worst_parity_workload = p.estimate.workload;
          }
      }
      row.push_back(std::move(cell));
    }
    m.cells.push_back(std::move(row));
  }
  return m;
}

std::string cuda_matrix_markdown(const RunRecord& run) {
  const auto m = cuda_matrix(run);
  if (m.empty()) return {};
  std::ostringstream md;
  md << "## CUDA version x flavor\n\n| CUDA |";
  for (const auto& f : m.flavors) md << " " << f << " |";
  md << "\n|---|";
  for (std::size_t j = 0; j < m.flavors.size(); ++j) md << "---|";
  md << "\n";
  for (std::size_t i = 0; i < m.versions.size(); ++i) {
    md << "| " << m.versions[i] << " |";
    for (const auto& c : m.cells[i]) {
      if (c.environment.empty()) {
        md << " not run |";
        continue;
      }
      const auto verdict = verdict_of(c);
      md << " " << (verdict == "PASSED" ? verdict : "**" + verdict + "**") << ": " << c.checks.pass << " passed, "
         << c.checks.fail << " failed, " << c.checks.waived << " waived; parity "
         << (c.worst_parity ? fixed3(*c.worst_parity) + " (" + c.worst_parity_workload + ")" : std::string("-")) << "; "
         << framework_text(c) << " |";
    }
    md << "\n";
  }
  md << "\nEach cell is one image, run with the worker of its CUDA major: its conformance checks (framework "
        "alignment included where it carries PyTorch) and its lowest container/native parity ratio across "
        "workloads (the worst workload named). The Conformance table names each environment.\n\n";
  return md.str();
}

std::string cuda_matrix_html(const RunRecord& run) {
  const auto m = cuda_matrix(run);
  if (m.empty()) return {};
  std::ostringstream h;
  h << "<section id=\"cuda-matrix\"><h2>CUDA version &times; flavor</h2>\n<table "
       "class=\"matrix\"><thead><tr><th>CUDA</th>";
  for (const auto& f : m.flavors) h << "<th>" << html_escape(f) << "</th>";
  h << "</tr></thead><tbody>\n";
  for (std::size_t i = 0; i < m.versions.size(); ++i) {
    h << "<tr><th scope=\"row\">" << html_escape(m.versions[i]) << "</th>";
    for (const auto& c : m.cells[i]) {
      if (c.environment.empty()) {
        h << "<td class=\"na\">not run</td>";
        continue;
      }
      const auto verdict = verdict_of(c);
      const char* kind = verdict == "PASSED" ? "pass" : verdict == "FAILED" ? "fail" : "waived";
      h << "<td><span class=\"pill " << kind << "\">" << verdict << "</span> <small>" << html_escape(c.environment)
        << "</small><br>" << c.checks.pass << " passed, " << c.checks.fail << " failed, " << c.checks.waived
        << " waived<br>parity "
        << (c.worst_parity ? fixed3(*c.worst_parity) + " (" + html_escape(c.worst_parity_workload) + ")"
                           : std::string("-"))
        << "<br>" << framework_text(c) << "</td>";
    }
    h << "</tr>\n";
  }
  h << "</tbody></table>\n<p class=\"muted\">Each cell is one image, run with the worker of its CUDA major: its "
       "conformance checks (framework alignment included where it carries PyTorch) and its lowest "
       "container/native parity ratio across workloads.</p></section>\n";
  return h.str();
}

}  // namespace gpucert::reports

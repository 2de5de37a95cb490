#include "run_facts.hpp"

#include <algorithm>
#include <set>

#include "core/conformance.hpp"

namespace gpucert::reports {
namespace {

std::string list_text(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out.empty() ? std::string("unknown") : out;
}

std::size_t index_of(std::vector<std::string>& items, const std::string& item) {
  const auto it = std::find(items.begin(), items.end(), item);
  if (it != items.end()) return static_cast<std::size_t>(it - items.begin());
  items.push_back(item);
  return items.size() - 1;
}

}  // namespace

RunFacts run_facts(const RunRecord& run) {
  std::set<std::string> hosts, drivers, runtimes;
  for (const auto& r : run.ranks) {
    hosts.insert(r.placement.host);
    if (!r.probe.driver_release.empty() || r.probe.driver_version)
      drivers.insert((r.probe.driver_release.empty() ? std::string("?") : r.probe.driver_release) + " (CUDA " +
                     format_cuda_version(r.probe.driver_version) + ")");
    if (r.probe.runtime_version) runtimes.insert(format_cuda_version(r.probe.runtime_version));
  }
  return {list_text(hosts), list_text(drivers), list_text(runtimes)};
}

const RankRecord* rank_record(const RunRecord& run, int rank) {
  if (rank >= 0 && static_cast<std::size_t>(rank) < run.ranks.size() &&
      run.ranks[static_cast<std::size_t>(rank)].placement.rank == rank)
    return &run.ranks[static_cast<std::size_t>(rank)];
  for (const auto& r : run.ranks)
    if (r.placement.rank == rank) return &r;
  return nullptr;
}

const char* verdict_word(int exit_code) {
  return exit_code == kExitPassed        ? "PASSED"
         : exit_code == kExitCheckFailed ? "FAILED"
         : exit_code == kExitIncomplete  ? "INCOMPLETE"
                                         : "NOT RUN";
}

CheckMatrix check_matrix(const std::vector<Check>& checks) {
  CheckMatrix m;
  if (checks.empty()) return m;
  m.environments.emplace_back(kNativeEnvironment);
  for (const auto& c : checks) index_of(m.names, c.name), index_of(m.environments, c.environment);
  m.cells.assign(m.names.size(), std::vector<VerdictCounts>(m.environments.size()));
  for (const auto& c : checks) {
    auto& cell = m.cells[index_of(m.names, c.name)][index_of(m.environments, c.environment)];
    ++(c.verdict == Verdict::Pass ? cell.pass : c.verdict == Verdict::Fail ? cell.fail : cell.waived);
  }
  return m;
}

std::vector<const Check*> checks_not_passed(const std::vector<Check>& checks) {
  std::vector<const Check*> out;
  for (auto verdict : {Verdict::Fail, Verdict::Waived})
    for (const auto& c : checks)
      if (c.verdict == verdict) out.push_back(&c);
  return out;
}

bool has_container_results(const RunRecord& run) {
  return std::any_of(run.results.begin(), run.results.end(),
                     [](const ResultRecord& r) { return environment_of(r) != kNativeEnvironment; });
}

bool results_name_environment(const RunRecord& run) { return has_container_results(run) || !run.environments.empty(); }

std::vector<ParityRow> parity_rows(const RunRecord& run) {
  std::vector<ParityRow> rows;
  for (auto& e : container_native_ratios(run)) {
    ParityRow row{std::move(e), std::nullopt};
    for (const auto& c : run.checks)
      if (c.name == "performance-parity" && c.environment == row.estimate.environment &&
          c.subject == row.estimate.workload)
        row.verdict = c.verdict;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace gpucert::reports

#include "run_facts.hpp"

#include <set>

namespace gpucert::reports {
namespace {

std::string list_text(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out.empty() ? std::string("unknown") : out;
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

const char* verdict_word(int exit_code) {
  return exit_code == kExitPassed ? "PASSED" : exit_code == kExitCheckFailed ? "FAILED" : "NOT RUN";
}

}  // namespace gpucert::reports

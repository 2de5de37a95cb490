#include "run_record.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <set>
#include <tuple>

#include "json_fields.hpp"
#include "nccl_figures.hpp"
#include "outliers.hpp"

namespace gpucert {

Completeness RunRecord::completeness() const {
  Completeness c;
  c.planned = plan.size();
  if (plan.empty()) return c;
  std::set<std::tuple<std::string, std::string, int>> have;
  std::set<std::string> any;
  for (const auto& r : results) {
    have.emplace(r.measurement.id, r.environment, r.placement.rank);
    any.insert(r.measurement.id);
  }
  // Who records a result of each measurement: every usable rank, natively and in each environment.
  std::vector<std::pair<std::string, int>> expected;
  for (const auto& r : ranks)
    if (r.usable) expected.emplace_back(std::string("native"), r.placement.rank);
  for (const auto& e : environments)
    for (const auto& r : e.ranks)
      if (r.usable) expected.emplace_back(e.name, r.placement.rank);
  for (const auto& id : plan) {
    std::size_t missing = 0;
    for (const auto& [environment, rank] : expected) missing += have.count({id, environment, rank}) ? 0 : 1;
    c.results_missing += missing;
    if (missing == 0) continue;
    ++c.incomplete;
    c.never_started += any.count(id) ? 0 : 1;
    if (c.examples.size() < 3) c.examples.push_back(id);
  }
  return c;
}

int RunRecord::exit_code() const {
  for (const auto& r : ranks)
    if (!r.usable) return kExitEnvironment;
  if (ranks.empty()) return kExitEnvironment;
  for (const auto& r : results)
    if (is_failure(r)) return kExitCheckFailed;
  if (count_verdict(checks, Verdict::Fail)) return kExitCheckFailed;
  return completeness().complete() ? kExitPassed : kExitIncomplete;
}

std::string RunRecord::verdict() const {
  // Missing measurements are named first: a run that stopped half way must never read as a pass.
  std::string prefix;
  if (const auto c = completeness(); !c.complete()) {
    prefix = "INCOMPLETE" + (interrupted.empty() ? std::string() : " (stopped by " + interrupted + ")") + ": " +
             std::to_string(c.incomplete) + " of " + std::to_string(c.planned) +
             " measurement(s) of the suite lack results (" + std::to_string(c.never_started) + " never ran, " +
             std::to_string(c.results_missing) + " result(s) missing, e.g. " + c.examples.front() +
             "); `gpucert run --resume DIR` completes the run; ";
  }
  return prefix + verdict_of_results();
}

std::string RunRecord::verdict_of_results() const {
  if (ranks.empty()) return "no rank reported";
  std::size_t unusable = 0, failures = 0;
  for (const auto& r : ranks) unusable += r.usable ? 0 : 1;
  for (const auto& r : results) failures += is_failure(r) ? 1 : 0;
  if (unusable == ranks.size())
    return "no GPU is usable on any of " + std::to_string(ranks.size()) + " rank(s): nothing could run";
  // Every finding is named: a missing rank must not hide a failed result on the ranks that ran.
  std::string text;
  if (unusable)
    text = std::to_string(unusable) + " of " + std::to_string(ranks.size()) + " rank(s) have no usable GPU; ";
  if (failures)
    text += std::to_string(failures) + " of " + std::to_string(results.size()) + " result(s) failed";
  else
    text += "all " + std::to_string(results.size()) + " result(s) passed on " +
            std::to_string(ranks.size() - unusable) + " rank(s)";
  if (const auto failed = count_verdict(checks, Verdict::Fail)) {
    std::vector<std::string> names;
    for (const auto& c : checks)
      if (c.verdict == Verdict::Fail && std::find(names.begin(), names.end(), c.name) == names.end())
        names.push_back(c.name);
    text += "; " + std::to_string(failed) + " of " + std::to_string(checks.size()) + " conformance check(s) failed (";
    for (std::size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + names[i];
    text += ")";
  }
  return text;
}

nlohmann::json to_json(const RankRecord& r) {
  nlohmann::json diagnoses = nlohmann::json::array();
  for (const auto& d : r.diagnoses)
    diagnoses.push_back({{"cause", d.cause}, {"summary", d.summary}, {"explanation", d.explanation}, {"fix", d.fix}});
  nlohmann::json j = {{"rank", r.placement.rank},
                      {"local_rank", r.placement.local_rank},
                      {"host", r.placement.host},
                      {"device", r.placement.device},
                      {"device_name", r.placement.device_name},
                      {"device_uuid", r.placement.device_uuid},
                      {"usable", r.usable},
                      {"problem", r.problem},
                      {"diagnoses", diagnoses},
                      {"probe", to_json(r.probe)}};
  if (r.health_after) j["health_after"] = to_json(*r.health_after);
  return j;
}

Outcome<RankRecord> rank_record_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return GPUCERT_ERROR("rank record is not an object");
  RankRecord r;
  try {
    r.placement.rank = whole_number<int>(j.at("rank"), "rank");
    r.placement.local_rank = whole_value(j, "local_rank", 0);
    r.placement.host = j.value("host", "");
    r.placement.device = whole_value(j, "device", -1);
    r.placement.device_name = j.value("device_name", "");
    r.placement.device_uuid = j.value("device_uuid", "");
    r.usable = j.value("usable", false);
    r.problem = j.value("problem", "");
  } catch (const std::exception& e) {
    return GPUCERT_ERROR(std::string("malformed rank record: ") + e.what());
  }
  auto probe = probe_report_from_json(j.value("probe", nlohmann::json::object()));
  if (!probe) return probe.error();
  r.probe = std::move(*probe);
  // A rank whose worker never answered has an empty probe (its problem says why): diagnosing that would
  // report "libcuda.so.1 is missing" and "no device nodes" on a host that may have both.
  if (!r.probe.worker_version.empty()) r.diagnoses = diagnose(r.probe);
  if (auto h = j.find("health_after"); h != j.end() && h->is_object()) {
    auto health = gpu_health_report_from_json(*h);
    if (!health) return GPUCERT_ERROR("rank " + std::to_string(r.placement.rank) + ": " + health.error().describe());
    r.health_after = std::move(*health);
  }
  return r;
}

nlohmann::json to_json(const EnvironmentRecord& environment) {
  nlohmann::json ranks = nlohmann::json::array();
  for (const auto& r : environment.ranks) ranks.push_back(to_json(r));
  return {{"name", environment.name},
          {"runtime", environment.runtime},
          {"image", environment.image},
          {"flavor", environment.flavor},
          {"ranks", std::move(ranks)},
          {"image_facts", environment.image_facts ? to_json(*environment.image_facts) : nlohmann::json()},
          {"devel_check", environment.devel_check ? to_json(*environment.devel_check) : nlohmann::json()}};
}

Outcome<EnvironmentRecord> environment_record_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string())
    return GPUCERT_ERROR("an environment record without a name: " + j.dump().substr(0, 200));
  EnvironmentRecord e;
  try {
    e.name = j["name"].get<std::string>();
    e.runtime = j.value("runtime", "");
    e.image = j.value("image", "");
    e.flavor = j.value("flavor", "");
  } catch (const std::exception& ex) {
    return GPUCERT_ERROR("environment " + e.name + ": " + ex.what());
  }
  if (e.name.empty() || e.name == "native")
    return GPUCERT_ERROR("an environment record named \"" + e.name +
                         "\": container environments need a name of "
                         "their own");
  for (const auto& rank : j.value("ranks", nlohmann::json::array())) {
    auto r = rank_record_from_json(rank);
    if (!r) return GPUCERT_ERROR("environment " + e.name + ": " + r.error().describe());
    e.ranks.push_back(std::move(*r));
  }
  if (const auto facts = j.find("image_facts"); facts != j.end() && !facts->is_null()) {
    auto f = image_facts_from_json(*facts);
    if (!f) return GPUCERT_ERROR("environment " + e.name + ": " + f.error().describe());
    e.image_facts = std::move(*f);
  }
  if (const auto devel = j.find("devel_check"); devel != j.end() && !devel->is_null()) {
    auto d = devel_check_reply_from_json(*devel);
    if (!d) return GPUCERT_ERROR("environment " + e.name + ": " + d.error().describe());
    e.devel_check = std::move(*d);
  }
  return e;
}

nlohmann::json to_json(const RunRecord& run) {
  auto out = report_head_json(run);
  auto& results = out["results"];
  for (const auto& r : run.results) results.push_back(to_json(r));
  return out;
}

nlohmann::json report_head_json(const RunRecord& run) {
  nlohmann::json ranks = nlohmann::json::array();
  std::set<std::string> hosts;
  std::set<int> drivers, runtimes;
  for (const auto& r : run.ranks) {
    hosts.insert(r.placement.host);
    if (r.probe.driver_version) drivers.insert(r.probe.driver_version);
    if (r.probe.runtime_version) runtimes.insert(r.probe.runtime_version);
    ranks.push_back(to_json(r));
  }
  std::map<std::string, int> counts{{"ok", 0},        {"failed", 0},      {"error", 0}, {"crashed", 0},
                                    {"timed_out", 0}, {"unavailable", 0}, {"waived", 0}};
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : run.results) ++counts[std::string(name_of(r.reply.status))];
  auto versions = [](const std::set<int>& v) {
    nlohmann::json out = nlohmann::json::array();
    for (int x : v) out.push_back(format_cuda_version(x));
    return out;
  };
  nlohmann::json out = {
      {"schema_version", kReportSchemaVersion},
      {"gpucert",
       {{"version", run.build.version},
        {"git", run.build.git},
        {"cuda_build", format_cuda_version(run.build.cuda_build_version)},
        {"cuda_architectures", run.build.architectures}}},
      {"suite", {{"name", run.suite_name}, {"source", run.suite_source}}},
      {"command", run.command},
      {"started", run.started},
      {"finished", run.finished},
      {"fingerprint",
       {{"hosts", std::vector<std::string>(hosts.begin(), hosts.end())},
        {"ranks", run.ranks.size()},
        {"driver_cuda", versions(drivers)},
        {"cuda_runtime", versions(runtimes)}}},
      {"verdict", {{"exit_code", run.exit_code()}, {"summary", run.verdict()}, {"counts", counts}}},
      {"ranks", ranks},
      {"results", results},
  };
  if (!run.environments.empty()) {
    nlohmann::json environments = nlohmann::json::array();
    for (const auto& e : run.environments) environments.push_back(to_json(e));
    out["environments"] = std::move(environments);
  }
  if (const auto c = run.completeness(); !c.complete())
    out["verdict"]["incomplete"] = {{"planned", c.planned},
                                    {"measurements", c.incomplete},
                                    {"never_started", c.never_started},
                                    {"results_missing", c.results_missing}};
  if (!run.interrupted.empty()) out["verdict"]["interrupted"] = run.interrupted;
  if (!run.run_id.empty()) out["run"] = run.run_id;
  if (!run.plan.empty()) out["plan"] = run.plan;
  if (run.verdict_inputs) out["verdict_inputs"] = to_json(*run.verdict_inputs);
  if (!run.warnings.empty()) out["warnings"] = run.warnings;
  // The communicator's view of each collective (nccl-tests' line), only where collectives ran.
  if (auto collectives = nccl_summaries(run.results); !collectives.empty()) out["nccl"] = std::move(collectives);
  // Peer verdicts, only where a run had peers to compare (core/outliers.hpp).
  if (const auto peers = peers_of(run); peers->figures_judged + peers->nccl_groups_judged)
    out["peers"] = to_json(*peers);
  // Conformance checks, only where they were derived: a record without them reads as before.
  if (!run.checks.empty()) {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : run.checks) checks.push_back(to_json(c));
    out["checks"] = std::move(checks);
    for (auto v : {Verdict::Pass, Verdict::Fail, Verdict::Waived})
      out["verdict"]["checks"][std::string(name_of(v))] = count_verdict(run.checks, v);
  }
  return out;
}

ResultsByRank results_by_rank(const RunRecord& run) {
  ResultsByRank by_rank;
  for (const auto& r : run.results) by_rank[r.placement.rank].push_back(&r);
  return by_rank;
}

const std::vector<const ResultRecord*>& results_of_rank(const ResultsByRank& by_rank, int rank) {
  static const std::vector<const ResultRecord*> none;
  const auto it = by_rank.find(rank);
  return it == by_rank.end() ? none : it->second;
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace gpucert

#include "conformance.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "check_text.hpp"
#include "compat.hpp"
#include "framework_checks.hpp"
#include "derived_floors.hpp"
#include "health_checks.hpp"
#include "workloads/workload_spec.hpp"
#include "json_fields.hpp"
#include "outliers.hpp"

namespace gpucert {
namespace {

using check_text::fixed;
using check_text::rank_subject;

std::string on_host(const RankRecord& r) {
  return r.placement.host.empty() ? std::string{} : " on " + r.placement.host;
}

const DeviceInfo* device_of(const RankRecord& r) {
  for (const auto& d : r.probe.devices)
    if (d.index == r.placement.device) return &d;
  return nullptr;
}

// "ranks 0, 1, 3" or "rank 2"
std::string ranks_text(const std::set<int>& ranks) {
  std::vector<std::string> numbers;
  for (int r : ranks) numbers.push_back(std::to_string(r));
  return (ranks.size() == 1 ? "rank " : "ranks ") + join(numbers, ", ");
}

// Every rank's record with its environment: the native ranks, then each container environment's.
struct EnvironmentRank {
  std::string environment;
  const RankRecord& rank;
};
std::vector<EnvironmentRank> every_rank(const RunRecord& run) {
  std::vector<EnvironmentRank> out;
  for (const auto& r : run.ranks) out.push_back({std::string(kNativeEnvironment), r});
  for (const auto& e : run.environments)
    for (const auto& r : e.ranks) out.push_back({e.name, r});
  return out;
}

std::string cuda_error_text(const CudaErrorInfo& e) {
  return e.call + " returned " + e.name + " (" + std::to_string(e.code) + "): " + e.message;
}

const std::string kBandwidthFix =
    "check that nothing else runs on the GPU (`nvidia-smi`) and that its clocks are not held down "
    "(`nvidia-smi -q -d PERFORMANCE,CLOCK` lists thermal and power slowdown), then run NVIDIA's own memory "
    "test: `dcgmi diag -r memory_bandwidth`";
const std::string kThroughputFix =
    "check power and clock throttling (`nvidia-smi -q -d PERFORMANCE,POWER,CLOCK`: a power limit below the "
    "board's default, thermal slowdown), that nothing else runs on the GPU (`nvidia-smi`), then stress it with "
    "`dcgmi diag -r 3`";

}  // namespace

std::string environment_of(const ResultRecord& result) { return result.environment; }

std::vector<Check> gpu_visible_checks(const RunRecord& run) {
  std::vector<Check> out;
  for (const auto& [environment, r] : every_rank(run)) {
    Check c{"gpu-visible", environment, rank_subject(r.placement.rank), r.placement.rank, Verdict::Pass, "", "", ""};
    const auto& p = r.probe;
    if (r.usable && r.placement.device >= 0) {
      const auto* d = device_of(r);
      c.evidence = "the worker" + on_host(r) + " sees " + std::to_string(p.devices.size()) +
                   " GPU(s); this rank uses device " + std::to_string(r.placement.device) + ": " +
                   (d ? d->name : r.placement.device_name) + " (" + (d ? d->uuid : r.placement.device_uuid);
      if (d)
        c.evidence += ", " + d->pci_bus_id + ", sm_" + std::to_string(d->cc_major) + std::to_string(d->cc_minor) +
                      ", " + fixed(static_cast<double>(d->memory_bytes) / (1024.0 * 1024 * 1024), 1) + " GiB";
      c.evidence += ")";
    } else {
      c.verdict = Verdict::Fail;
      std::vector<std::string> evidence{r.problem.empty() ? "no usable GPU" + on_host(r) : r.problem};
      if (p.cuda_error && r.problem.find(p.cuda_error->name) == std::string::npos)
        evidence.push_back(cuda_error_text(*p.cuda_error));
      if (!p.libcuda.loaded && !p.libcuda.error.empty()) evidence.push_back("the loader said: " + p.libcuda.error);
      if (!p.worker_version.empty())
        evidence.push_back(std::to_string(p.device_nodes.size()) + " NVIDIA device node(s), " +
                           std::to_string(p.devices.size()) + " GPU(s) visible to CUDA");
      c.evidence = join(evidence, "; ");
      std::vector<std::string> diagnoses, fixes;
      for (const auto& d : r.diagnoses) {
        diagnoses.push_back(d.summary + " [" + d.cause + "]: " + d.explanation);
        fixes.push_back(d.fix);
      }
      c.diagnosis =
          diagnoses.empty() ? "the worker" + on_host(r) + " did not report a usable GPU" : join(diagnoses, "\n");
      c.fix = fixes.empty() ? "run `gpucert doctor`" + on_host(r) + " to see why" : join(fixes, "\n");
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<Check> driver_runtime_alignment_checks(const RunRecord& run) {
  std::vector<Check> out;
  for (const auto& [environment, r] : every_rank(run)) {
    const auto& p = r.probe;
    Check c{"driver-runtime-alignment",
            environment,
            rank_subject(r.placement.rank),
            r.placement.rank,
            Verdict::Pass,
            "",
            "",
            ""};
    const std::string release = p.driver_release.empty() ? "release unknown" : p.driver_release;
    c.evidence = "driver " + release + " supports CUDA " + format_cuda_version(p.driver_version) +
                 " (cudaDriverGetVersion); the CUDA runtime is " + format_cuda_version(p.runtime_version) +
                 " (cudaRuntimeGetVersion)";
    const int driver_major = p.driver_version / 1000, runtime_major = p.runtime_version / 1000;
    const auto minimum = minimum_driver_for_cuda_major(runtime_major);
    if (p.driver_version <= 0 || p.runtime_version <= 0) {
      c.verdict = Verdict::Waived;
      c.evidence = std::string("cannot be judged without both versions: ") +
                   (p.driver_version <= 0 ? "the driver's CUDA version is unknown" : "the CUDA runtime's is unknown") +
                   (p.libcuda.loaded ? "" : " (libcuda.so.1 did not load)") +
                   "; the gpu-visible check of this rank "
                   "says why";
    } else if (p.driver_version >= p.runtime_version) {
      // Passes as is.
    } else if (driver_major == runtime_major && p.driver_release.empty()) {
      c.verdict = Verdict::Waived;
      c.evidence +=
          ": the driver is older than the runtime, and without the driver release it is unknown "
          "whether minor-version compatibility (driver " +
          minimum + " or newer) applies";
    } else if (driver_major == runtime_major && minor_version_compatible(p.driver_release, p.runtime_version)) {
      c.evidence += "; minor-version compatibility: any CUDA " + std::to_string(runtime_major) +
                    ".x runtime runs on driver " + minimum + " or newer";
    } else {
      c.verdict = Verdict::Fail;
      c.diagnosis = "the driver supports CUDA " + format_cuda_version(p.driver_version) + ", older than the CUDA " +
                    format_cuda_version(p.runtime_version) + " runtime" +
                    (minimum.empty() ? std::string(", and no minor-version compatibility is known for CUDA ") +
                                           std::to_string(runtime_major) + ".x"
                                     : ", and minor-version compatibility needs driver " + minimum +
                                           " or newer (this one is " + release + ")");
      c.fix = minimum.empty()
                  ? std::string("upgrade the driver, or use an image of an older CUDA")
                  : "upgrade the driver to " + minimum +
                        " or newer; on data-centre GPUs, install "
                        "cuda-compat-" +
                        std::to_string(runtime_major) + "-" + std::to_string((p.runtime_version % 1000) / 10) +
                        " and put its folder first on LD_LIBRARY_PATH; or use an image of an older CUDA";
    }
    if (c.verdict != Verdict::Fail && p.driver_version > 0 && p.runtime_version > 0)
      c.evidence += driver_compatibility_note(p.driver_release, p.runtime_version, p.libcuda.path);
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

// One environment's results on one rank, verified or not.
Check verified(const std::string& environment, int rank, const std::vector<const ResultRecord*>& results) {
  Check c{"results-verified", environment, rank_subject(rank), rank, Verdict::Pass, "", "", ""};
  std::size_t ran = 0, unavailable = 0, waived = 0;
  std::uint64_t checked = 0, wrong = 0;
  std::vector<std::string> failed_ids, diagnoses;
  bool verification_failed = false, broke = false;
  for (const auto* r : results) {
    const auto& reply = r->reply;
    if (reply.status == RunStatus::Unavailable) ++unavailable;
    if (reply.status == RunStatus::Waived) ++waived;
    if (reply.status == RunStatus::Unavailable || reply.status == RunStatus::Waived) continue;
    ++ran;
    checked += reply.verification.checked;
    wrong += reply.verification.mismatches;
    if (!is_failure(*r)) continue;
    failed_ids.push_back(r->measurement.id);
    const bool failed = reply.status == RunStatus::Failed;
    verification_failed |= failed;
    broke |= !failed;
    std::string line = r->measurement.id + (failed ? " failed verification" : " broke");
    if (failed && reply.verification.checked)
      line += " (" + std::to_string(reply.verification.mismatches) + " wrong of " +
              std::to_string(reply.verification.checked) + ")";
    if (!reply.message.empty()) line += ": " + reply.message;
    diagnoses.push_back(line);
  }
  std::vector<std::string> asides;
  if (unavailable) asides.push_back(std::to_string(unavailable) + " unavailable");
  if (waived) asides.push_back(std::to_string(waived) + " waived");
  const auto aside = join(asides, ", ");
  if (!failed_ids.empty()) {
    c.verdict = Verdict::Fail;
    c.evidence = std::to_string(failed_ids.size()) + " of " + std::to_string(ran) +
                 " measurement(s) that ran failed or broke: " + join(failed_ids, ", ") +
                 (aside.empty() ? "" : " (" + aside + ")");
    c.diagnosis = join(diagnoses, "\n");
    std::vector<std::string> fixes;
    if (verification_failed)
      fixes.push_back(
          "rerun the suite: a wrong result that repeats on one GPU and not on the others points at "
          "that GPU (`nvidia-smi -q -d ECC,ROW_REMAPPER`, `dcgmi diag -r 3`); one that repeats "
          "everywhere points at the library or driver version");
    if (broke)
      fixes.push_back(
          "read the message above; `gpucert doctor` checks the environment, and the worker's log "
          "on stderr says where it stopped");
    c.fix = join(fixes, "\n");
  } else if (ran == 0) {
    c.verdict = Verdict::Waived;
    c.evidence = "nothing verifiable ran: " + aside;
  } else {
    c.evidence = std::to_string(ran) + " measurement(s) ran and verified: " + std::to_string(checked) +
                 " value(s) checked, " + std::to_string(wrong) + " wrong" + (aside.empty() ? "" : "; " + aside);
  }
  return c;
}

}  // namespace

std::vector<Check> results_verified_checks(const RunRecord& run) {
  // By rank, then environment: each rank's groups are one range, so the pass stays linear in the ranks.
  std::map<std::pair<int, std::string>, std::vector<const ResultRecord*>> groups;
  for (const auto& r : run.results) groups[{r.placement.rank, environment_of(r)}].push_back(&r);
  const std::string native(kNativeEnvironment);

  // Rank by rank, native first; a rank that produced nothing says why.
  std::vector<Check> out;
  std::set<int> done;
  auto emit_rank = [&](int rank) {
    bool any = false;
    if (const auto it = groups.find({rank, native}); it != groups.end()) {
      out.push_back(verified(native, rank, it->second));
      any = true;
    }
    for (auto it = groups.lower_bound({rank, std::string()}); it != groups.end() && it->first.first == rank; ++it)
      if (it->first.second != native) {
        out.push_back(verified(it->first.second, rank, it->second));
        any = true;
      }
    return any;
  };
  for (const auto& r : run.ranks) {
    const int rank = r.placement.rank;
    if (!done.insert(rank).second) continue;
    if (!emit_rank(rank))
      out.push_back({"results-verified", native, rank_subject(rank), rank, Verdict::Waived,
                     r.usable ? "no measurement ran on this rank"
                              : "no GPU is usable on this rank, so nothing ran (the gpu-visible check says why)",
                     "", ""});
  }
  for (const auto& [key, results] : groups)  // results of a rank the rank table lacks
    if (done.insert(key.first).second) emit_rank(key.first);
  return out;
}

std::vector<Check> workload_availability_checks(const RunRecord& run) {
  // In the order the suite asked for them, per environment.
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::set<int>>> unavailable, available;
  std::map<int, const RankRecord*> ranks;
  for (const auto& r : run.ranks) ranks[r.placement.rank] = &r;
  for (const auto& r : run.results) {
    const std::pair<std::string, std::string> key{environment_of(r), r.measurement.workload};
    if (!unavailable.count(key) && !available.count(key)) order.push_back(key);
    const int rank = r.placement.rank;
    if (r.reply.status == RunStatus::Unavailable) {
      unavailable[key][r.reply.message.empty() ? "no reason given" : r.reply.message].insert(rank);
      continue;
    }
    std::string evidence = "ran";
    if (const auto it = ranks.find(rank); it != ranks.end())
      for (const auto& w : it->second->probe.workloads)
        if (w.name == r.measurement.workload && w.available)
          evidence = (w.backend.empty() ? "" : w.backend + ": ") + (w.evidence.empty() ? "loaded" : w.evidence);
    available[key][evidence].insert(rank);
  }
  std::vector<Check> out;
  for (const auto& key : order) {
    Check c{"workload-availability", key.first, key.second, -1, Verdict::Pass, "", "", ""};
    std::vector<std::string> parts;
    if (const auto it = unavailable.find(key); it != unavailable.end()) {
      c.verdict = Verdict::Waived;
      for (const auto& [message, where] : it->second)
        parts.push_back("unavailable on " + ranks_text(where) + ": " + message);
    }
    if (const auto it = available.find(key); it != available.end())
      for (const auto& [evidence, where] : it->second)
        parts.push_back("available on " + ranks_text(where) + ": " + evidence);
    c.evidence = join(parts, "; ");
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

// The GPU a result ran on, as its rank's probe described it (in the result's environment, else natively).
// Each result's GPU as its rank's probe describes it, found through an index of every environment's rank table
// built once: a cluster's run has millions of results and thousands of ranks.
class DeviceIndex {
 public:
  explicit DeviceIndex(const RunRecord& run) {
    add(std::string(kNativeEnvironment), run.ranks);
    for (const auto& e : run.environments) add(e.name, e.ranks);
  }
  [[nodiscard]] const DeviceInfo* find(const ResultRecord& r) const {
    const auto* d = find_in(r.environment, r);
    return d ? d
             : find_in(std::string(kNativeEnvironment),
                       r);  // a container's result whose table lacks the rank: the host's view
  }

 private:
  void add(const std::string& environment, const std::vector<RankRecord>& ranks) {
    auto& by_rank = tables_[environment];
    for (const auto& rank : ranks) by_rank.emplace(rank.placement.rank, &rank);
  }
  [[nodiscard]] const DeviceInfo* find_in(const std::string& environment, const ResultRecord& r) const {
    const auto table = tables_.find(environment);
    if (table == tables_.end()) return nullptr;
    const auto [first, last] = table->second.equal_range(r.placement.rank);
    for (auto it = first; it != last; ++it)
      for (const auto& d : it->second->probe.devices)
        if (r.placement.device_uuid.empty() ? d.index == r.placement.device : d.uuid == r.placement.device_uuid)
          return &d;
    return nullptr;
  }
  std::unordered_map<std::string, std::unordered_multimap<int, const RankRecord*>> tables_;
};

}  // namespace

std::vector<Check> performance_floor_checks(const RunRecord& run, const Thresholds& thresholds) {
  std::vector<Check> out;
  std::set<std::pair<std::string, int>> undescribed_reported;
  const DeviceIndex devices(run);
  for (const auto& r : run.results) {
    if (r.reply.status != RunStatus::Ok || !r.figures) continue;
    const auto& gpu = r.placement.device_name;
    const int rank = r.placement.rank;
    const auto environment = environment_of(r);
    if (const auto* spec = find_workload(r.measurement.workload))
      if (auto why = spec->why_no_floor(r.measurement.params)) {
        out.push_back({"performance-floor", environment, r.measurement.id + " " + rank_subject(rank), rank,
                       Verdict::Waived, *why, "", ""});
        continue;
      }
    // The table's floor for this model, else one derived from the hardware (docs/HEALTH.md).
    const auto* floor = thresholds.floor_for(gpu, r.measurement.id);
    std::optional<PerformanceFloor> derived;
    if (!floor && (derived = link_floor(r))) floor = &*derived;
    if (!floor) {
      std::string why;
      const auto* device = devices.find(r);
      if (device) derived = derived_floor(*device, r.measurement, &why);
      if (derived) {
        floor = &*derived;
      } else {
        // A measurement without a floor of either kind is not judged (a convolution, a small GEMM); a GPU that
        // CUDA did not describe is said to be unjudged, once per rank.
        const bool undescribed = !device || why.starts_with("CUDA did not report");
        if (undescribed && !thresholds.covers(gpu) && undescribed_reported.insert({environment, rank}).second)
          out.push_back({"performance-floor", environment, rank_subject(rank), rank, Verdict::Waived,
                         "no performance floors for '" + gpu + "' in " + thresholds.source +
                             ", and none can be derived: " + (device ? why : "the rank's probe does not describe it"),
                         "", ""});
        continue;
      }
    }
    Check c{
        "performance-floor", environment, r.measurement.id + " " + rank_subject(rank), rank, Verdict::Pass, "", "", ""};
    const std::string unit(unit_of(r.measurement.metric));
    if (floor->metric != r.measurement.metric) {
      c.verdict = Verdict::Waived;
      c.evidence = "the floor for '" + floor->key + "' is in " + std::string(unit_of(floor->metric)) +
                   " but the measurement reports " + unit;
      out.push_back(std::move(c));
      continue;
    }
    const double median = r.figures->at_median;
    c.evidence = "median " + fixed(median, 1) + " " + unit + " (best " + fixed(r.figures->best, 1) + "), floor " +
                 fixed(floor->minimum, 1) + " " + unit +
                 (floor->derived ? " " + floor->source
                                 : " per model for " + gpu + " from '" + floor->key + "' (" + floor->source + ")");
    if (median < floor->minimum) {
      c.verdict = Verdict::Fail;
      c.diagnosis = "the median is " + fixed(100.0 * (1.0 - median / floor->minimum), 1) + "% below the floor" +
                    (floor->measured ? " and " + fixed(100.0 * (1.0 - median / *floor->measured), 1) + "% below the " +
                                           fixed(*floor->measured, 1) + " " + unit + " measured on a healthy " + gpu
                                     : std::string{}) +
                    (floor->datasheet ? "; it reaches " + fixed(100.0 * median / *floor->datasheet, 1) + "% of the " +
                                            fixed(*floor->datasheet, 1) + " " + unit + " peak"
                                      : std::string{});
      c.fix = r.measurement.metric == Metric::Bandwidth ? kBandwidthFix : kThroughputFix;
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<Check> conformance_checks(const RunRecord& run, const Thresholds& thresholds,
                                      const ConformanceContext& context) {
  // Without a catalogue (none given, none embedded) the flavour checks say so through its source.
  FlavorCatalog none;
  const FlavorCatalog* flavors = context.flavors;
  if (!flavors) {
    const auto& embedded = embedded_flavor_catalog();
    if (embedded) {
      flavors = &*embedded;
    } else {
      none.source = "(none: " + embedded.error().message + ")";
      flavors = &none;
    }
  }
  const auto host = context.host_architecture.empty() ? host_architecture_of(run) : context.host_architecture;
  std::vector<Check> out;
  for (auto part :
       {gpu_visible_checks(run), driver_runtime_alignment_checks(run), library_inventory_checks(run, *flavors),
        results_verified_checks(run), workload_availability_checks(run), performance_floor_checks(run, thresholds),
        health_checks(run), performance_peer_checks(run), performance_parity_checks(run, context.parity_threshold),
        devel_compiles_checks(run, *flavors), image_hygiene_checks(run, *flavors, host),
        framework_alignment_checks(run)})
    for (auto& c : part) out.push_back(std::move(c));
  return out;
}

std::vector<Check> conformance_checks(const RunRecord& run, const Thresholds& thresholds) {
  ConformanceContext context;
  // A run judged once is judged again by the same parity threshold (verdict_inputs.hpp).
  if (run.verdict_inputs) context.parity_threshold = run.verdict_inputs->parity_threshold;
  return conformance_checks(run, thresholds, context);
}

void judge_run(RunRecord& run, const Thresholds& thresholds, const ConformanceContext& context) {
  run.peers = peers_of(run);
  run.checks = conformance_checks(run, thresholds, context);
}

void judge_run(RunRecord& run, const Thresholds& thresholds) {
  run.peers = peers_of(run);
  run.checks = conformance_checks(run, thresholds);
}

}  // namespace gpucert

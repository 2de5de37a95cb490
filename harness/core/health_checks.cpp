#include "health_checks.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "check_text.hpp"
#include "json_fields.hpp"
#include "workloads/workload_spec.hpp"

namespace gpucert {
namespace {

using check_text::fixed;
using check_text::rank_subject;

// One native rank's readings: its GPU's snapshot before and after, and the telemetry of every measurement it
// ran, in any environment (a container worker runs on the same GPU).
struct RankHealth {
  const RankRecord& rank;
  const std::vector<const ResultRecord*>& results;  // all of this rank's, in every environment
  const GpuHealthReport* before_report = nullptr;
  const HealthSnapshot* before = nullptr;
  const GpuHealthReport* after_report = nullptr;
  const HealthSnapshot* after = nullptr;
  std::vector<const ResultRecord*> measured;  // with telemetry that NVML gave
  std::optional<std::string> unjudged;        // why nothing can be judged
};

const HealthSnapshot* snapshot_of(const GpuHealthReport& report, const std::string& uuid) {
  if (const auto* s = report.device(uuid)) return s;
  return report.devices.size() == 1 && uuid.empty() ? &report.devices.front() : nullptr;
}

RankHealth readings_of(const RankRecord& r, const std::vector<const ResultRecord*>& results) {
  RankHealth h{r, results, nullptr, nullptr, nullptr, nullptr, {}, std::nullopt};
  for (const auto* result : results)
    if (result->reply.telemetry && result->reply.telemetry->available) h.measured.push_back(result);
  if (!r.usable) {
    h.unjudged = "no usable GPU on this rank (the gpu-visible check says why)";
    return h;
  }
  if (!r.probe.health) {
    h.unjudged = "the worker reported no NVML readings (a worker older than its health probe)";
    return h;
  }
  h.before_report = &*r.probe.health;
  if (!h.before_report->available) {
    h.unjudged = "NVML is unavailable to the worker: " + h.before_report->error;
    return h;
  }
  h.before = snapshot_of(*h.before_report, r.placement.device_uuid);
  if (!h.before) {
    h.unjudged = "NVML does not list this rank's GPU (" + r.placement.device_uuid + ")";
    return h;
  }
  if (r.health_after && r.health_after->available) {
    h.after_report = &*r.health_after;
    h.after = snapshot_of(*h.after_report, r.placement.device_uuid);
  }
  return h;
}

Check base(const char* name, const RankHealth& h) {
  return {name,
          std::string(kNativeEnvironment),
          rank_subject(h.rank.placement.rank),
          h.rank.placement.rank,
          Verdict::Pass,
          "",
          "",
          ""};
}

Check waived(const char* name, const RankHealth& h, const std::string& why) {
  auto c = base(name, h);
  c.verdict = Verdict::Waived;
  c.evidence = why;
  return c;
}

template <typename Judge>
std::vector<Check> per_rank(const RunRecord& run, const ResultsByRank& by_rank, const char* name, Judge judge) {
  std::vector<Check> out;
  for (const auto& r : run.ranks) {
    const auto h = readings_of(r, results_of_rank(by_rank, r.placement.rank));
    out.push_back(h.unjudged ? waived(name, h, *h.unjudged) : judge(h));
  }
  return out;
}

std::string process_text(const ComputeProcess& p) {
  return "pid " + std::to_string(p.pid) + " (" + (p.name.empty() ? "name not visible here" : p.name) + ", " +
         fixed(static_cast<double>(p.used_memory_bytes) / (1024.0 * 1024 * 1024), 2) + " GiB)";
}

std::string after_missing(const RankHealth& h) {
  return h.after ? std::string{} : "; no reading after the suite (the run stopped first, or NVML no longer answered)";
}

// --- exclusive use ---

// gpucert's own workers: this rank's, natively and in each container environment, every one it had (a
// crashed worker is replaced by a new process), by host pid where the coordinator found it (a container's
// worker knows only the pid of its own namespace: runtime/host_pid.hpp). Another rank's worker on the same
// GPU is a second user like any other.
std::set<std::uint32_t> own_workers(const RunRecord& run, const RankHealth& h) {
  const int rank = h.rank.placement.rank;
  std::set<std::uint32_t> pids;
  auto add_report = [&](const std::optional<GpuHealthReport>& report) {
    if (!report) return;
    for (const auto pid : {report->worker_pid, report->worker_host_pid})
      if (pid) pids.insert(pid);
  };
  auto add = [&](const RankRecord& r) {
    if (r.placement.rank != rank) return;
    add_report(r.probe.health);
    add_report(r.health_after);
  };
  for (const auto& r : run.ranks) add(r);
  for (const auto& e : run.environments)
    for (const auto& r : e.ranks) add(r);
  for (const auto* result : h.results) {
    if (!result->reply.telemetry) continue;
    const auto& t = *result->reply.telemetry;
    if (t.worker_pid) pids.insert(t.worker_pid);
    pids.insert(t.worker_host_pids.begin(), t.worker_host_pids.end());
  }
  return pids;
}

Check judge_exclusive_use(const RunRecord& run, const RankHealth& h) {
  auto c = base("exclusive-use", h);
  const auto own = own_workers(run, h);
  std::map<std::uint32_t, std::pair<ComputeProcess, std::set<std::string>>> others;  // pid -> process, when seen
  auto note = [&](const std::vector<ComputeProcess>& processes, const std::string& when) {
    for (const auto& p : processes) {
      if (own.count(p.pid)) continue;
      auto& [process, seen] = others[p.pid];
      if (process.name.empty()) process = p;
      process.used_memory_bytes = std::max(process.used_memory_bytes, p.used_memory_bytes);
      seen.insert(when);
    }
  };
  note(h.before->processes, "before the suite");
  for (const auto* r : h.measured) note(r->reply.telemetry->other_processes, "during " + r->measurement.id);
  if (h.after) note(h.after->processes, "after the suite");

  std::vector<std::string> problems, fixes;
  for (const auto& [pid, entry] : others) {
    const auto& [process, seen] = entry;
    std::vector<std::string> when(seen.begin(), seen.end());
    if (when.size() > 4) when = {when.front(), when[1], "and " + std::to_string(seen.size() - 2) + " more"};
    problems.push_back("another compute process shares the GPU: " + process_text(process) + ", seen " +
                       join(when, ", "));
  }
  if (!others.empty())
    fixes.push_back(
        "stop the other process (`nvidia-smi --query-compute-apps=pid,process_name,used_memory "
        "--format=csv`; `kill <pid>`), or drain the node from the scheduler, then run again");
  if (h.before->mig_enabled.value_or(false)) {
    problems.push_back(
        "MIG mode is enabled: the GPU is partitioned, and a measurement sees only a slice that "
        "other instances share");
    fixes.push_back("disable MIG (`nvidia-smi -i <gpu> -mig 0`, then reset the GPU) to certify the whole GPU");
  }
  const auto* mps = h.before_report->mps ? &h.before_report->mps
                                         : (h.after_report && h.after_report->mps ? &h.after_report->mps : nullptr);
  if (mps) {
    problems.push_back("an MPS control daemon runs (" + **mps + "): clients of other jobs share the GPU's SMs");
    fixes.push_back("stop MPS (`echo quit | nvidia-cuda-mps-control`) for the certification run");
  }
  if (h.before->compute_mode == "prohibited") {
    problems.push_back("the compute mode is Prohibited: no process may compute on this GPU");
    fixes.push_back("`nvidia-smi -i <gpu> -c DEFAULT`");
  }
  const std::string mode = h.before->compute_mode.value_or("unknown");
  std::size_t during = 0;
  for (const auto* r : h.measured) during += r->reply.telemetry->processes_read ? 1 : 0;
  if (problems.empty() && !h.before->processes_read) {
    // Without the process list nothing says the GPU was the run's alone: waived, never passed.
    std::string why = "NVML could not list the GPU's compute processes";
    for (const auto& line : h.before->unread)
      if (line.find("Processes") != std::string::npos) why += ": " + line;
    c.verdict = Verdict::Waived;
    c.evidence = why + "; compute mode " + mode + ", MIG " +
                 (h.before->mig_enabled ? (*h.before->mig_enabled ? "on" : "off") : "unknown") + ", no MPS daemon";
  } else if (problems.empty()) {
    c.evidence = "only gpucert's worker computed on the GPU: " + std::to_string(h.before->processes.size()) +
                 " compute process(es) before the suite, none but the run's own; none other during " +
                 std::to_string(during) + " measurement(s)" +
                 (during < h.measured.size() ? " (" + std::to_string(h.measured.size() - during) + " unread)" : "") +
                 (h.after ? ", none after" : after_missing(h)) + "; compute mode " + mode + ", MIG " +
                 (h.before->mig_enabled ? (*h.before->mig_enabled ? "on" : "off") : "unknown") + ", no MPS daemon";
  } else {
    c.verdict = Verdict::Fail;
    c.evidence = join(problems, "; ") + "; compute mode " + mode;
    c.diagnosis =
        "the GPU was not the run's alone: figures measured while something else used it are low "
        "by however much that other work took, and a certification on a shared GPU certifies nothing";
    c.fix = join(fixes, "\n");
  }
  return c;
}

// --- memory errors ---

std::string count_text(const std::optional<std::uint64_t>& value) {
  return value ? std::to_string(*value) : "not read";
}

Check judge_memory_errors(const RankHealth& h) {
  auto c = base("memory-errors", h);
  const auto& b = *h.before;
  const auto* a = h.after;
  if (!b.ecc_volatile_uncorrected && !b.remap_pending && !b.retired_pages_pending) {
    c.verdict = Verdict::Waived;
    c.evidence = std::string("NVML gave no ECC, row-remapping or page-retirement reading for this GPU") +
                 (b.ecc_enabled == false ? " (ECC is disabled)" : "") +
                 (b.unread.empty() ? "" : ": " + join(b.unread, "; "));
    return c;
  }
  std::vector<std::string> problems;
  auto grew = [](const std::optional<std::uint64_t>& before, const std::optional<std::uint64_t>& after) {
    return before && after && *after > *before;
  };
  for (const auto* s : {&b, a}) {
    if (!s) continue;
    const std::string when = s == &b ? "before the suite" : "after the suite";
    if (s->ecc_volatile_uncorrected.value_or(0) > 0)
      problems.push_back(std::to_string(*s->ecc_volatile_uncorrected) +
                         " uncorrectable ECC error(s) since the driver loaded (volatile), " + when);
    if (s->remap_failed.value_or(false)) problems.push_back("a row remap failed, " + when);
    if (s->remap_pending.value_or(false)) problems.push_back("a row remap is pending a GPU reset, " + when);
    if (s->retired_pages_pending.value_or(false)) problems.push_back("a page retirement is pending, " + when);
  }
  if (a && grew(b.ecc_aggregate_uncorrected, a->ecc_aggregate_uncorrected))
    problems.push_back("the aggregate uncorrectable ECC count grew during the run, " +
                       std::to_string(*b.ecc_aggregate_uncorrected) + " -> " +
                       std::to_string(*a->ecc_aggregate_uncorrected));
  if (a && grew(b.retired_pages_double_bit, a->retired_pages_double_bit))
    problems.push_back("pages were retired for double-bit errors during the run");
  const std::string readings =
      "ECC " + std::string(b.ecc_enabled ? (*b.ecc_enabled ? "on" : "off") : "state unknown") +
      ", uncorrectable volatile " + count_text(b.ecc_volatile_uncorrected) + ", aggregate " +
      count_text(b.ecc_aggregate_uncorrected) + "; remapped rows " + count_text(b.remapped_rows_correctable) +
      " correctable, " + count_text(b.remapped_rows_uncorrectable) + " uncorrectable, pending " +
      (b.remap_pending ? (*b.remap_pending ? "yes" : "no") : "not read") + ", failed " +
      (b.remap_failed ? (*b.remap_failed ? "yes" : "no") : "not read") +
      (b.retired_pages_double_bit ? "; retired pages (double-bit) " + std::to_string(*b.retired_pages_double_bit)
                                  : std::string{});
  if (problems.empty()) {
    c.evidence = "before the suite: " + readings + (a ? "; unchanged after it" : after_missing(h));
    if (b.ecc_aggregate_uncorrected.value_or(0) > 0)
      c.evidence +=
          " (the aggregate count is the board's history; with no remap pending or failed, the "
          "memory it hit is already out of service)";
  } else {
    c.verdict = Verdict::Fail;
    c.evidence = join(problems, "; ") + " (" + readings + ")";
    c.diagnosis =
        "the GPU's memory has uncorrectable errors the driver has not yet contained: results computed "
        "on it cannot be trusted until the GPU is reset and its rows remapped";
    c.fix =
        "drain the GPU, reset it (`nvidia-smi -r -i <gpu>`) so that pending remaps take effect, then run "
        "`nvidia-smi -q -d ECC,ROW_REMAPPER` and `dcgmi diag -r 3`; a failed remap or recurring errors mean "
        "an RMA";
  }
  return c;
}

// --- Xid and critical events ---

Check judge_xid_events(const RankHealth& h) {
  auto c = base("xid-events", h);
  const auto& uuid = h.before->uuid;
  std::vector<std::string> seen;
  std::set<std::string> counted;
  auto add = [&](const GpuEvent& e, const std::string& when) {
    if (!e.uuid.empty() && e.uuid != uuid) return;
    const auto text = (e.type == "xid" ? "Xid " + std::to_string(e.data) : e.type) + " " + when;
    if (counted.insert(text).second) seen.push_back(text);
  };
  for (const auto* r : h.measured)
    for (const auto& e : r->reply.telemetry->events) add(e, "during " + r->measurement.id);
  if (h.after_report)
    for (const auto& e : h.after_report->events) add(e, "during the run");
  if (!seen.empty()) {
    c.verdict = Verdict::Fail;
    c.evidence = std::to_string(seen.size()) + " critical event(s) from the driver: " + join(seen, "; ");
    c.diagnosis =
        "the driver reported a critical error on this GPU while the suite ran (an Xid names the fault: "
        "e.g. 48 double-bit ECC, 63/64 row remapping, 79 fallen off the bus, 13/31/43 an application's "
        "fault); figures and results from this run are suspect";
    c.fix =
        "read the kernel log (`journalctl -k | grep -i xid`), look the Xid up in NVIDIA's Xid catalogue, "
        "reset the GPU and run `dcgmi diag -r 3`";
    return c;
  }
  if (!h.before_report->events_watched) {
    c.verdict = Verdict::Waived;
    c.evidence = "NVML's event set could not watch this GPU: " + h.before_report->events_error;
    return c;
  }
  if (!h.after_report) {
    c.verdict = Verdict::Waived;
    c.evidence = "no critical event during " + std::to_string(h.measured.size()) +
                 " measurement(s), but no reading after the suite: the events between measurements are unknown";
    return c;
  }
  c.evidence =
      "NVML's event set watched for Xid and double-bit ECC events from the probe to the end of the "
      "suite: none";
  return c;
}

// --- PCIe ---

Check judge_pcie(const RankHealth& h) {
  auto c = base("pcie", h);
  const auto& b = *h.before;
  if (!b.pcie_gen_max || !b.pcie_width_max || !b.pcie_gen || !b.pcie_width) {
    c.verdict = Verdict::Waived;
    c.evidence = "NVML gave no PCIe link reading for this GPU" + (b.unread.empty() ? "" : ": " + join(b.unread, "; "));
    return c;
  }
  // Links train down when idle to save power: the link is judged by the widest state seen under load.
  int gen = 0, width = 0;
  for (const auto* r : h.measured) {
    gen = std::max(gen, r->reply.telemetry->pcie_gen.value_or(0));
    width = std::max(width, r->reply.telemetry->pcie_width.value_or(0));
  }
  const bool under_load = gen > 0;
  if (!under_load) {
    gen = std::max(*b.pcie_gen, h.after ? h.after->pcie_gen.value_or(0) : 0);
    width = std::max(*b.pcie_width, h.after ? h.after->pcie_width.value_or(0) : 0);
  }
  const std::string link = "gen " + std::to_string(gen) + " x" + std::to_string(width);
  const std::string best = "gen " + std::to_string(*b.pcie_gen_max) + " x" + std::to_string(*b.pcie_width_max);
  std::vector<std::string> problems, notes;
  notes.push_back("link " + link + (under_load ? " under load" : " (read between measurements)") + ", at most " + best +
                  " for this GPU in this slot");
  if (width < *b.pcie_width_max)
    problems.push_back("the link trained to x" + std::to_string(width) + ", below the x" +
                       std::to_string(*b.pcie_width_max) + " it allows");
  if (under_load && gen < *b.pcie_gen_max)
    problems.push_back("under load the link ran at gen " + std::to_string(gen) + ", below the gen " +
                       std::to_string(*b.pcie_gen_max) + " it allows");
  const double limit = pcie_link_gbps(gen, width);
  for (const auto* result : h.results) {
    const auto& r = *result;
    if (!judged_against_own_pcie_link(r.measurement) || r.reply.status != RunStatus::Ok || !r.figures || limit <= 0)
      continue;
    const double share = r.figures->at_median / limit;
    const std::string line = r.measurement.id +
                             (r.environment == kNativeEnvironment ? "" : " (" + r.environment + ")") + " " +
                             fixed(r.figures->at_median, 1) + " GB/s, " + fixed(100 * share, 0) + "% of the " +
                             fixed(limit, 1) + " GB/s of " + link;
    if (share < kHostCopyLinkFraction)
      problems.push_back("pinned copy " + line + ", below " + fixed(100 * kHostCopyLinkFraction, 0) + "%");
    else
      notes.push_back(line);
  }
  if (!under_load && !problems.empty() && width >= *b.pcie_width_max)
    notes.push_back("no reading under load, so the generation is not judged");
  if (problems.empty()) {
    c.evidence = join(notes, "; ");
  } else {
    c.verdict = Verdict::Fail;
    c.evidence = join(problems, "; ") + " (" + notes.front() + ")";
    c.diagnosis =
        "the GPU's PCIe link is slower than the GPU and slot allow: a card not fully seated, a riser or "
        "retimer at fault, a BIOS capping the slot's generation, or the copies crossing a slow root "
        "port; host<->device transfers and everything staged through them run slower";
    c.fix =
        "compare `nvidia-smi -q -d PCI` (current vs max link) and `lspci -vv -s <bus id>` (LnkSta vs LnkCap) "
        "under load; reseat the card or check the slot's BIOS setting; run `nvbandwidth` to confirm";
  }
  return c;
}

// --- NVLink ---

Check judge_nvlink(const RankHealth& h) {
  auto c = base("nvlink", h);
  const auto& b = *h.before;
  if (b.nvlinks.empty()) {
    c.verdict = Verdict::Waived;
    c.evidence = "no NVLink on this GPU (NVML reports no link)";
    return c;
  }
  std::vector<std::string> problems;
  std::vector<int> down_before, down_after;
  for (const auto& l : b.nvlinks)
    if (!l.active) down_before.push_back(l.index);
  std::map<std::string, std::uint64_t> grown, replays;
  if (h.after)
    for (const auto& l : h.after->nvlinks) {
      if (!l.active) down_after.push_back(l.index);
      const auto was =
          std::find_if(b.nvlinks.begin(), b.nvlinks.end(), [&](const auto& x) { return x.index == l.index; });
      if (was == b.nvlinks.end()) continue;
      for (const auto& [counter, value] : l.errors) {
        const auto old = was->errors.find(counter);
        if (old == was->errors.end() || value <= old->second) continue;
        (counter == "replay" ? replays : grown)[counter] += value - old->second;
      }
    }
  auto links = [](const std::vector<int>& v) {
    std::vector<std::string> s;
    for (int i : v) s.push_back(std::to_string(i));
    return join(s, ", ");
  };
  if (!down_before.empty()) problems.push_back("link(s) " + links(down_before) + " down before the suite");
  if (!down_after.empty() && down_after != down_before)
    problems.push_back("link(s) " + links(down_after) + " down after it");
  for (const auto& [counter, added] : grown)
    problems.push_back(std::to_string(added) + " " + counter + " error(s) counted during the run");
  std::string evidence = std::to_string(b.nvlinks.size() - down_before.size()) + " of " +
                         std::to_string(b.nvlinks.size()) + " link(s) up before the suite";
  if (h.after)
    evidence += ", " + std::to_string(h.after->nvlinks.size() - down_after.size()) + " after";
  else
    evidence += after_missing(h);
  for (const auto& [counter, added] : replays)
    evidence += "; " + std::to_string(added) + " replay(s) during the run (retried, recorded)";
  if (problems.empty()) {
    c.evidence = evidence + (h.after && grown.empty() ? "; no recovery or CRC error counted during the run" : "");
  } else {
    c.verdict = Verdict::Fail;
    c.evidence = join(problems, "; ") + " (" + evidence + ")";
    c.diagnosis =
        "an NVLink is down or erring: collectives fall back to slower paths or retry, and a link that "
        "errs under load fails jobs later";
    c.fix =
        "`nvidia-smi nvlink -s` and `nvidia-smi nvlink -e` name the link; check the NVSwitch fabric manager "
        "(`systemctl status nvidia-fabricmanager`), reset the GPU, and run `dcgmi diag -r 3`";
  }
  return c;
}

// --- throttling ---

Check judge_throttling(const RankHealth& h) {
  auto c = base("throttling", h);
  if (h.measured.empty()) {
    c.verdict = Verdict::Waived;
    c.evidence = "no measurement carried NVML telemetry";
    return c;
  }
  std::vector<std::string> slowed;
  std::size_t capped = 0;
  std::optional<double> limit, peak;
  for (const auto* r : h.measured) {
    const auto& t = *r->reply.telemetry;
    if (t.power_limit_w) limit = t.power_limit_w;
    if (const auto p = t.max_power_w(); p && (!peak || *p > *peak)) peak = p;
    if (t.clock_events_seen & clock_event::kSwPowerCap) ++capped;
    if (!t.slowed_down()) continue;
    std::vector<std::string> why = clock_event_names(t.clock_events_seen & clock_event::kSlowdownMask);
    if (const auto thermal = t.violation_ns.find("thermal"); thermal != t.violation_ns.end() && thermal->second > 0)
      why.push_back(fixed(static_cast<double>(thermal->second) / 1e6, 1) + " ms of thermal violation");
    std::string figure =
        r->figures ? ", median " + fixed(r->figures->at_median, 1) + " " + std::string(unit_of(r->measurement.metric))
                   : std::string{};
    slowed.push_back(r->measurement.id + (r->environment == kNativeEnvironment ? "" : " (" + r->environment + ")") +
                     figure + ": " + join(why, ", "));
  }
  std::string power = std::to_string(capped) + " of " + std::to_string(h.measured.size()) +
                      " measurement(s) ran at the software power cap (recorded, not failed)";
  if (peak) power += "; up to " + fixed(*peak, 0) + " W drawn";
  if (limit) power += " of a " + fixed(*limit, 0) + " W limit";
  if (h.before->default_power_limit_w && h.before->power_limit_w &&
      *h.before->power_limit_w + 1 < *h.before->default_power_limit_w)
    power += " (set below the board's default " + fixed(*h.before->default_power_limit_w, 0) + " W)";
  if (slowed.empty()) {
    c.evidence =
        "no thermal or power-brake slowdown during " + std::to_string(h.measured.size()) + " measurement(s); " + power;
  } else {
    c.verdict = Verdict::Fail;
    c.evidence = std::to_string(slowed.size()) + " of " + std::to_string(h.measured.size()) +
                 " measurement(s) ran while the GPU was slowed down: " + join(slowed, "; ") + "; " + power;
    c.diagnosis =
        "the GPU held its clocks down for heat or a power brake while these figures were measured: "
        "they understate a healthy GPU, and a GPU that throttles in a test throttles in production";
    c.fix =
        "check cooling and inlet temperature (`nvidia-smi -q -d TEMPERATURE,PERFORMANCE`), fans or liquid "
        "flow, and the power supply (a power brake is the board's external signal); run again once the "
        "GPU holds its clocks";
  }
  return c;
}

}  // namespace

double pcie_link_gbps(int generation, int width) {
  static const std::map<int, double> kLaneGbps = {{1, 2.5 * 8 / 10},     {2, 5.0 * 8 / 10},     {3, 8.0 * 128 / 130},
                                                  {4, 16.0 * 128 / 130}, {5, 32.0 * 128 / 130}, {6, 64.0 * 242 / 256}};
  const auto lane = kLaneGbps.find(generation);
  if (lane == kLaneGbps.end() || width <= 0) return 0;
  return lane->second * width / 8;
}

namespace {

// The six checks, each judged rank by rank from one index of the results by rank.
using RankJudge = Check (*)(const RunRecord&, const RankHealth&);
constexpr std::pair<const char*, RankJudge> kHealthChecks[] = {
    {"exclusive-use", [](const RunRecord& run, const RankHealth& h) { return judge_exclusive_use(run, h); }},
    {"memory-errors", [](const RunRecord&, const RankHealth& h) { return judge_memory_errors(h); }},
    {"xid-events", [](const RunRecord&, const RankHealth& h) { return judge_xid_events(h); }},
    {"pcie", [](const RunRecord&, const RankHealth& h) { return judge_pcie(h); }},
    {"nvlink", [](const RunRecord&, const RankHealth& h) { return judge_nvlink(h); }},
    {"throttling", [](const RunRecord&, const RankHealth& h) { return judge_throttling(h); }},
};

std::vector<Check> judged(const RunRecord& run, const ResultsByRank& by_rank, const char* name, RankJudge judge) {
  return per_rank(run, by_rank, name, [&run, judge](const RankHealth& h) { return judge(run, h); });
}

std::vector<Check> checks_named(const RunRecord& run, std::string_view name) {
  for (const auto& check : kHealthChecks)
    if (name == check.first) return judged(run, results_by_rank(run), check.first, check.second);
  return {};
}

}  // namespace

std::vector<Check> exclusive_use_checks(const RunRecord& run) { return checks_named(run, "exclusive-use"); }
std::vector<Check> memory_error_checks(const RunRecord& run) { return checks_named(run, "memory-errors"); }
std::vector<Check> xid_event_checks(const RunRecord& run) { return checks_named(run, "xid-events"); }
std::vector<Check> pcie_checks(const RunRecord& run) { return checks_named(run, "pcie"); }
std::vector<Check> nvlink_checks(const RunRecord& run) { return checks_named(run, "nvlink"); }
std::vector<Check> throttling_checks(const RunRecord& run) { return checks_named(run, "throttling"); }

std::vector<Check> health_checks(const RunRecord& run) {
  const auto by_rank = results_by_rank(run);
  std::vector<Check> out;
  for (const auto& check : kHealthChecks)
    for (auto& c : judged(run, by_rank, check.first, check.second)) out.push_back(std::move(c));
  return out;
}

}  // namespace gpucert

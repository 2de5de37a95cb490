#include "gpu_telemetry.hpp"

#include <algorithm>
#include <cstdio>

#include "json_fields.hpp"

namespace gpucert {
namespace {

constexpr std::pair<std::uint64_t, const char*> kClockEventNames[] = {
    {clock_event::kGpuIdle, "gpu_idle"},
    {clock_event::kApplicationsClocksSetting, "applications_clocks_setting"},
    {clock_event::kSwPowerCap, "sw_power_cap"},
    {clock_event::kHwSlowdown, "hw_slowdown"},
    {clock_event::kSyncBoost, "sync_boost"},
    {clock_event::kSwThermalSlowdown, "sw_thermal_slowdown"},
    {clock_event::kHwThermalSlowdown, "hw_thermal_slowdown"},
    {clock_event::kHwPowerBrakeSlowdown, "hw_power_brake_slowdown"},
    {clock_event::kDisplayClockSetting, "display_clock_setting"},
};

template <typename T>
void put(nlohmann::json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = *value;
}
template <typename T>
void get(const nlohmann::json& j, const char* key, std::optional<T>& value) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) {
    if constexpr (WholeNumber<T>)
      value = whole_number<T>(*it, key);
    else
      value = it->get<T>();
  }
}
// j[key] as {"name": count, ...}, each count a whole number (whole_number); empty when absent.
std::map<std::string, std::uint64_t> counters(const nlohmann::json& j, const char* key) {
  std::map<std::string, std::uint64_t> out;
  const auto it = j.find(key);
  if (it == j.end()) return out;
  if (!it->is_object())
    throw JsonNumberError(std::string(key) + ": expected an object of counts, got " + json_type_name(*it));
  for (const auto& [name, count] : it->items())
    out[name] = whole_number<std::uint64_t>(count, std::string(key) + "." + name);
  return out;
}

ComputeProcess process_from_json(const nlohmann::json& j) {
  return {whole_value(j, "pid", std::uint32_t{0}), j.value("name", ""),
          whole_value(j, "used_memory_bytes", std::uint64_t{0})};
}
GpuEvent event_from_json(const nlohmann::json& j) {
  return {j.value("type", ""), whole_value(j, "data", std::uint64_t{0}), j.value("uuid", "")};
}
std::vector<ComputeProcess> processes_from_json(const nlohmann::json& j, const char* key) {
  std::vector<ComputeProcess> out;
  for (const auto& p : j.value(key, nlohmann::json::array())) out.push_back(process_from_json(p));
  return out;
}
std::vector<GpuEvent> events_from_json(const nlohmann::json& j) {
  std::vector<GpuEvent> out;
  for (const auto& e : j.value("events", nlohmann::json::array())) out.push_back(event_from_json(e));
  return out;
}
template <typename T>
nlohmann::json array_of(const std::vector<T>& items) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& item : items) out.push_back(to_json(item));
  return out;
}

HealthSnapshot snapshot_from_json(const nlohmann::json& j) {
  HealthSnapshot s;
  s.uuid = j.value("uuid", "");
  s.name = j.value("name", "");
  s.pci_bus_id = j.value("pci_bus_id", "");
  get(j, "ecc_enabled", s.ecc_enabled);
  get(j, "ecc_volatile_uncorrected", s.ecc_volatile_uncorrected);
  get(j, "ecc_aggregate_uncorrected", s.ecc_aggregate_uncorrected);
  get(j, "retired_pages_double_bit", s.retired_pages_double_bit);
  get(j, "retired_pages_pending", s.retired_pages_pending);
  get(j, "remapped_rows_correctable", s.remapped_rows_correctable);
  get(j, "remapped_rows_uncorrectable", s.remapped_rows_uncorrectable);
  get(j, "remap_pending", s.remap_pending);
  get(j, "remap_failed", s.remap_failed);
  get(j, "pcie_gen", s.pcie_gen);
  get(j, "pcie_gen_max", s.pcie_gen_max);
  get(j, "pcie_width", s.pcie_width);
  get(j, "pcie_width_max", s.pcie_width_max);
  for (const auto& l : j.value("nvlinks", nlohmann::json::array()))
    s.nvlinks.push_back({whole_value(l, "index", 0), l.value("active", false), counters(l, "errors")});
  get(j, "compute_mode", s.compute_mode);
  get(j, "mig_enabled", s.mig_enabled);
  s.processes = processes_from_json(j, "processes");
  s.processes_read = j.value("processes_read", false);
  get(j, "power_limit_w", s.power_limit_w);
  get(j, "default_power_limit_w", s.default_power_limit_w);
  get(j, "max_sm_clock_mhz", s.max_sm_clock_mhz);
  get(j, "max_memory_clock_mhz", s.max_memory_clock_mhz);
  s.unread = j.value("unread", std::vector<std::string>{});
  return s;
}

}  // namespace

std::vector<std::string> clock_event_names(std::uint64_t reasons) {
  std::vector<std::string> out;
  std::uint64_t known = 0;
  for (const auto& [bit, name] : kClockEventNames) {
    known |= bit;
    if (reasons & bit) out.emplace_back(name);
  }
  if (const auto rest = reasons & ~known) {
    char text[32];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(rest));
    out.emplace_back(text);
  }
  return out;
}

const HealthSnapshot* GpuHealthReport::device(const std::string& uuid) const {
  for (const auto& d : devices)
    if (d.uuid == uuid) return &d;
  return nullptr;
}

bool MeasurementTelemetry::slowed_down() const {
  if (clock_events_seen & clock_event::kSlowdownMask) return true;
  const auto thermal = violation_ns.find("thermal");
  return thermal != violation_ns.end() && thermal->second > 0;
}

std::optional<double> MeasurementTelemetry::max_power_w() const {
  if (samples.empty()) return std::nullopt;
  return std::max_element(samples.begin(), samples.end(),
                          [](const auto& a, const auto& b) { return a.power_w < b.power_w; })
      ->power_w;
}

void merge_telemetry(OptionalTelemetry& so_far, const OptionalTelemetry& round) {
  if (!round) return;
  if (!so_far || !so_far->available) {
    so_far = round;
    return;
  }
  if (!round->available) return;
  auto& t = *so_far;
  for (auto s : round->samples) {
    s.t_s += t.duration_s;
    t.samples.push_back(s);
  }
  t.duration_s += round->duration_s;
  t.period_s = std::max(t.period_s, round->period_s);
  t.clock_events_seen |= round->clock_events_seen;
  for (const auto& [policy, ns] : round->violation_ns) t.violation_ns[policy] += ns;
  if (round->power_limit_w) t.power_limit_w = round->power_limit_w;
  if (round->pcie_gen) t.pcie_gen = std::max(t.pcie_gen.value_or(0), *round->pcie_gen);
  if (round->pcie_width) t.pcie_width = std::max(t.pcie_width.value_or(0), *round->pcie_width);
  t.processes_read = t.processes_read && round->processes_read;
  for (const auto& p : round->other_processes)
    if (std::none_of(t.other_processes.begin(), t.other_processes.end(), [&](const auto& o) { return o.pid == p.pid; }))
      t.other_processes.push_back(p);
  t.events.insert(t.events.end(), round->events.begin(), round->events.end());
  for (const auto pid : round->worker_host_pids)
    if (std::find(t.worker_host_pids.begin(), t.worker_host_pids.end(), pid) == t.worker_host_pids.end())
      t.worker_host_pids.push_back(pid);
}

nlohmann::json to_json(const ComputeProcess& p) {
  return {{"pid", p.pid}, {"name", p.name}, {"used_memory_bytes", p.used_memory_bytes}};
}

nlohmann::json to_json(const GpuEvent& e) { return {{"type", e.type}, {"data", e.data}, {"uuid", e.uuid}}; }

nlohmann::json to_json(const HealthSnapshot& s) {
  nlohmann::json j = {{"uuid", s.uuid}, {"name", s.name}, {"pci_bus_id", s.pci_bus_id}};
  put(j, "ecc_enabled", s.ecc_enabled);
  put(j, "ecc_volatile_uncorrected", s.ecc_volatile_uncorrected);
  put(j, "ecc_aggregate_uncorrected", s.ecc_aggregate_uncorrected);
  put(j, "retired_pages_double_bit", s.retired_pages_double_bit);
  put(j, "retired_pages_pending", s.retired_pages_pending);
  put(j, "remapped_rows_correctable", s.remapped_rows_correctable);
  put(j, "remapped_rows_uncorrectable", s.remapped_rows_uncorrectable);
  put(j, "remap_pending", s.remap_pending);
  put(j, "remap_failed", s.remap_failed);
  put(j, "pcie_gen", s.pcie_gen);
  put(j, "pcie_gen_max", s.pcie_gen_max);
  put(j, "pcie_width", s.pcie_width);
  put(j, "pcie_width_max", s.pcie_width_max);
  nlohmann::json links = nlohmann::json::array();
  for (const auto& l : s.nvlinks) links.push_back({{"index", l.index}, {"active", l.active}, {"errors", l.errors}});
  j["nvlinks"] = std::move(links);
  put(j, "compute_mode", s.compute_mode);
  put(j, "mig_enabled", s.mig_enabled);
  j["processes"] = array_of(s.processes);
  j["processes_read"] = s.processes_read;
  put(j, "power_limit_w", s.power_limit_w);
  put(j, "default_power_limit_w", s.default_power_limit_w);
  put(j, "max_sm_clock_mhz", s.max_sm_clock_mhz);
  put(j, "max_memory_clock_mhz", s.max_memory_clock_mhz);
  j["unread"] = s.unread;
  return j;
}

nlohmann::json to_json(const GpuHealthReport& r) {
  nlohmann::json j = {{"available", r.available},
                      {"error", r.error},
                      {"nvml_version", r.nvml_version},
                      {"driver_version", r.driver_version},
                      {"worker_pid", r.worker_pid},
                      {"worker_pid_namespace", r.worker_pid_namespace},
                      {"worker_host_pid", r.worker_host_pid},
                      {"events_watched", r.events_watched},
                      {"events_error", r.events_error},
                      {"events", array_of(r.events)},
                      {"devices", array_of(r.devices)}};
  put(j, "mps", r.mps);
  return j;
}

nlohmann::json to_json(const MeasurementTelemetry& t) {
  nlohmann::json j = {{"available", t.available}, {"error", t.error}};
  if (!t.available) return j;
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& s : t.samples)
    samples.push_back({{"t_s", s.t_s},
                       {"sm_clock_mhz", s.sm_clock_mhz},
                       {"memory_clock_mhz", s.memory_clock_mhz},
                       {"power_w", s.power_w},
                       {"temperature_c", s.temperature_c},
                       {"gpu_utilization", s.gpu_utilization},
                       {"memory_utilization", s.memory_utilization},
                       {"clock_events", s.clock_events}});
  j["period_s"] = t.period_s;
  j["duration_s"] = t.duration_s;
  j["samples"] = std::move(samples);
  j["clock_events_seen"] = t.clock_events_seen;
  j["clock_events_seen_names"] = clock_event_names(t.clock_events_seen);
  j["violation_ns"] = t.violation_ns;
  put(j, "power_limit_w", t.power_limit_w);
  put(j, "pcie_gen", t.pcie_gen);
  put(j, "pcie_width", t.pcie_width);
  j["other_processes"] = array_of(t.other_processes);
  j["processes_read"] = t.processes_read;
  j["events"] = array_of(t.events);
  j["worker_pid"] = t.worker_pid;
  j["worker_pid_namespace"] = t.worker_pid_namespace;
  j["worker_host_pids"] = t.worker_host_pids;
  return j;
}

Outcome<GpuHealthReport> gpu_health_report_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return GPUCERT_ERROR("health report is not an object");
  try {
    GpuHealthReport r;
    r.available = j.value("available", false);
    r.error = j.value("error", "");
    r.nvml_version = j.value("nvml_version", "");
    r.driver_version = j.value("driver_version", "");
    r.worker_pid = whole_value(j, "worker_pid", std::uint32_t{0});
    r.worker_pid_namespace = whole_value(j, "worker_pid_namespace", std::uint64_t{0});
    r.worker_host_pid = whole_value(j, "worker_host_pid", std::uint32_t{0});
    get(j, "mps", r.mps);
    r.events_watched = j.value("events_watched", false);
    r.events_error = j.value("events_error", "");
    r.events = events_from_json(j);
    for (const auto& d : j.value("devices", nlohmann::json::array())) r.devices.push_back(snapshot_from_json(d));
    return r;
  } catch (const std::exception& e) {
    return GPUCERT_ERROR(std::string("health report is malformed: ") + e.what());
  }
}

Outcome<MeasurementTelemetry> measurement_telemetry_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return GPUCERT_ERROR("telemetry is not an object");
  try {
    MeasurementTelemetry t;
    t.available = j.value("available", false);
    t.error = j.value("error", "");
    t.period_s = j.value("period_s", 0.0);
    t.duration_s = j.value("duration_s", 0.0);
    for (const auto& s : j.value("samples", nlohmann::json::array()))
      t.samples.push_back({s.value("t_s", 0.0), whole_value(s, "sm_clock_mhz", 0),
                           whole_value(s, "memory_clock_mhz", 0), s.value("power_w", 0.0),
                           whole_value(s, "temperature_c", 0), whole_value(s, "gpu_utilization", 0),
                           whole_value(s, "memory_utilization", 0), whole_value(s, "clock_events", std::uint64_t{0})});
    t.clock_events_seen = whole_value(j, "clock_events_seen", std::uint64_t{0});
    t.violation_ns = counters(j, "violation_ns");
    get(j, "power_limit_w", t.power_limit_w);
    get(j, "pcie_gen", t.pcie_gen);
    get(j, "pcie_width", t.pcie_width);
    t.other_processes = processes_from_json(j, "other_processes");
    t.processes_read = j.value("processes_read", false);
    t.events = events_from_json(j);
    t.worker_pid = whole_value(j, "worker_pid", std::uint32_t{0});
    t.worker_pid_namespace = whole_value(j, "worker_pid_namespace", std::uint64_t{0});
    for (const auto& pid : j.value("worker_host_pids", nlohmann::json::array()))
      t.worker_host_pids.push_back(whole_number<std::uint32_t>(pid, "worker_host_pids"));
    return t;
  } catch (const std::exception& e) {
    return GPUCERT_ERROR(std::string("telemetry is malformed: ") + e.what());
  }
}

}  // namespace gpucert

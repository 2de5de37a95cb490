#include "gpu_monitor.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "runtime/host_pid.hpp"

namespace gpucert::nvml {
namespace {

constexpr std::size_t kMaxSamples = 512;  // beyond, the sampler halves its rate: a long run stays a few kB
constexpr auto kSlowPollEvery = std::chrono::milliseconds(100);  // processes, link and events

constexpr std::pair<int, const char*> kPolicies[] = {{kPerfPolicyPower, "power"},
                                                     {kPerfPolicyThermal, "thermal"},
                                                     {kPerfPolicySyncBoost, "sync_boost"},
                                                     {kPerfPolicyBoardLimit, "board_limit"},
                                                     {kPerfPolicyLowUtilization, "low_utilization"},
                                                     {kPerfPolicyReliability, "reliability"}};

std::string text_of(const Library& lib, std::vector<std::string>* unread, const char* call,
                    Return (*fn)(Device, char*, unsigned), Device d) {
  char buffer[96] = {};
  return lib.read(unread, call, fn, d, buffer, static_cast<unsigned>(sizeof buffer)) ? std::string(buffer)
                                                                                     : std::string{};
}

std::string compute_mode_name(int mode) {
  switch (mode) {
    case kComputeDefault:
      return "default";
    case kComputeExclusiveThread:
      return "exclusive_thread";
    case kComputeProhibited:
      return "prohibited";
    case kComputeExclusiveProcess:
      return "exclusive_process";
    default:
      return "mode " + std::to_string(mode);
  }
}

// Every compute process on the GPU; nullopt (with the reason in `unread`) when NVML cannot list them.
std::optional<std::vector<ComputeProcess>> compute_processes(const Library& lib, Device d,
                                                             std::vector<std::string>* unread) {
  std::vector<ProcessInfo> infos(64);
  unsigned count = static_cast<unsigned>(infos.size());
  const auto& a = lib.api();
  if (!a.compute_processes) {
    if (unread) unread->push_back("nvmlDeviceGetComputeRunningProcesses_v3: not in this driver's libnvidia-ml");
    return std::nullopt;
  }
  Return r = a.compute_processes(d, &count, infos.data());
  if (r == kErrorInsufficientSize) {
    infos.resize(count + 16);
    count = static_cast<unsigned>(infos.size());
    r = a.compute_processes(d, &count, infos.data());
  }
  if (r != kSuccess) {
    if (unread) unread->push_back(lib.describe("nvmlDeviceGetComputeRunningProcesses_v3", r));
    return std::nullopt;
  }
  std::vector<ComputeProcess> out;
  for (unsigned i = 0; i < count && i < infos.size(); ++i) {
    // NVML_VALUE_NOT_AVAILABLE (all ones) where the memory is not known.
    const auto used = infos[i].usedGpuMemory == ~0ULL ? 0 : infos[i].usedGpuMemory;
    out.push_back({infos[i].pid, process_name(infos[i].pid), used});
  }
  return out;
}

}  // namespace

std::string process_name(unsigned pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\0') text.pop_back();
  std::replace(text.begin(), text.end(), '\0', ' ');
  if (text.size() > 120) text = text.substr(0, 117) + "...";
  return text;
}

std::optional<std::string> mps_daemon() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream comm(entry.path() / "comm");
    std::string command;
    std::getline(comm, command);
    if (command.rfind("nvidia-cuda-mps", 0) == 0) return command + ", pid " + name;
  }
  return std::nullopt;
}

GpuMonitor::GpuMonitor(const std::string& library_path) {
  const char* override_path = std::getenv("GPUCERT_NVML_LIBRARY");
  auto lib = Library::open(override_path && *override_path ? override_path : library_path);
  if (!lib) {
    error_ = lib.error().message;
    return;
  }
  library_ = std::move(*lib);
  const auto& a = library_->api();
  std::vector<std::string> why;
  if (!library_->read(&why, "nvmlEventSetCreate", a.event_set_create, &events_set_)) {
    events_error_ = why.front();
    events_set_ = nullptr;
    return;
  }
  unsigned count = 0;
  library_->read(nullptr, "nvmlDeviceGetCount_v2", a.device_count, &count);
  std::vector<std::string> problems;
  bool any = false;
  for (unsigned i = 0; i < count; ++i) {
    Device d = nullptr;
    if (!library_->read(&problems, "nvmlDeviceGetHandleByIndex_v2", a.device_by_index, i, &d)) continue;
    unsigned long long supported = kEventXidCritical | kEventDoubleBitEcc;
    library_->read(nullptr, "nvmlDeviceGetSupportedEventTypes", a.supported_event_types, d, &supported);
    const auto wanted = supported & (kEventXidCritical | kEventDoubleBitEcc);
    if (wanted && library_->read(&problems, "nvmlDeviceRegisterEvents", a.register_events, d, wanted, events_set_))
      any = true;
  }
  if (!any) events_error_ = problems.empty() ? "no GPU supports Xid events" : problems.front();
}

GpuMonitor::~GpuMonitor() {
  if (library_ && events_set_) library_->read(nullptr, "nvmlEventSetFree", library_->api().event_set_free, events_set_);
}

std::size_t GpuMonitor::drain_events() {
  std::lock_guard lock(events_mutex_);
  if (!library_ || !events_set_ || !events_error_.empty()) return events_.size();
  const auto& a = library_->api();
  for (int i = 0; i < 1000; ++i) {  // bounded: a storm of events must not hold a measurement up
    EventData data{};
    if (!a.event_set_wait || a.event_set_wait(events_set_, &data, 0) != kSuccess) break;
    GpuEvent e;
    e.type = data.eventType == kEventXidCritical    ? "xid"
             : data.eventType == kEventDoubleBitEcc ? "double_bit_ecc"
                                                    : "event " + std::to_string(data.eventType);
    e.data = data.eventData;
    e.uuid = text_of(*library_, nullptr, "nvmlDeviceGetUUID", a.device_uuid, data.device);
    events_.push_back(std::move(e));
  }
  return events_.size();
}

std::vector<GpuEvent> GpuMonitor::events_since(std::size_t first) {
  std::lock_guard lock(events_mutex_);
  return first < events_.size()
             ? std::vector<GpuEvent>(events_.begin() + static_cast<std::ptrdiff_t>(first), events_.end())
             : std::vector<GpuEvent>{};
}

HealthSnapshot GpuMonitor::snapshot(Device d) {
  const auto& lib = *library_;
  const auto& a = lib.api();
  HealthSnapshot s;
  auto* unread = &s.unread;
  s.uuid = text_of(lib, unread, "nvmlDeviceGetUUID", a.device_uuid, d);
  s.name = text_of(lib, unread, "nvmlDeviceGetName", a.device_name, d);
  int current = 0, pending = 0;
  if (lib.read(unread, "nvmlDeviceGetEccMode", a.ecc_mode, d, &current, &pending)) s.ecc_enabled = current != 0;
  unsigned long long count = 0;
  if (s.ecc_enabled.value_or(false)) {
    if (lib.read(unread, "nvmlDeviceGetTotalEccErrors(uncorrected, volatile)", a.total_ecc_errors, d,
                 kMemoryErrorUncorrected, kVolatileEcc, &count))
      s.ecc_volatile_uncorrected = count;
    if (lib.read(unread, "nvmlDeviceGetTotalEccErrors(uncorrected, aggregate)", a.total_ecc_errors, d,
                 kMemoryErrorUncorrected, kAggregateEcc, &count))
      s.ecc_aggregate_uncorrected = count;
  }
  unsigned corrected = 0, uncorrected = 0, is_pending = 0, failed = 0;
  if (lib.read(unread, "nvmlDeviceGetRemappedRows", a.remapped_rows, d, &corrected, &uncorrected, &is_pending,
               &failed)) {
    s.remapped_rows_correctable = corrected;
    s.remapped_rows_uncorrectable = uncorrected;
    s.remap_pending = is_pending != 0;
    s.remap_failed = failed != 0;
  } else {
    // Before Ampere: page retirement instead of row remapping.
    unsigned pages = 0;
    if (a.retired_pages) {
      const Return r = a.retired_pages(d, kPageRetirementDoubleBit, &pages, nullptr);
      if (r == kSuccess || r == kErrorInsufficientSize)
        s.retired_pages_double_bit = pages;
      else
        unread->push_back(lib.describe("nvmlDeviceGetRetiredPages", r));
    }
    int retire_pending = 0;
    if (lib.read(unread, "nvmlDeviceGetRetiredPagesPendingStatus", a.retired_pages_pending, d, &retire_pending))
      s.retired_pages_pending = retire_pending != 0;
  }
  unsigned value = 0;
  if (lib.read(unread, "nvmlDeviceGetCurrPcieLinkGeneration", a.pcie_gen, d, &value))
    s.pcie_gen = static_cast<int>(value);
  if (lib.read(unread, "nvmlDeviceGetMaxPcieLinkGeneration", a.pcie_gen_max, d, &value))
    s.pcie_gen_max = static_cast<int>(value);
  if (lib.read(unread, "nvmlDeviceGetCurrPcieLinkWidth", a.pcie_width, d, &value))
    s.pcie_width = static_cast<int>(value);
  if (lib.read(unread, "nvmlDeviceGetMaxPcieLinkWidth", a.pcie_width_max, d, &value))
    s.pcie_width_max = static_cast<int>(value);
  for (unsigned link = 0; link < kNvLinkMaxLinks; ++link) {
    int active = 0;
    // A link index this GPU lacks answers Not Supported or Invalid Argument: the end of its links.
    if (!a.nvlink_state || a.nvlink_state(d, link, &active) != kSuccess) continue;
    NvlinkLink l{static_cast<int>(link), active != 0, {}};
    constexpr std::pair<int, const char*> kCounters[] = {{kNvLinkReplay, "replay"},
                                                         {kNvLinkRecovery, "recovery"},
                                                         {kNvLinkCrcFlit, "crc_flit"},
                                                         {kNvLinkCrcData, "crc_data"}};
    for (const auto& [counter, name] : kCounters)
      if (lib.read(nullptr, "nvmlDeviceGetNvLinkErrorCounter", a.nvlink_error_counter, d, link, counter, &count))
        l.errors[name] = count;
    s.nvlinks.push_back(std::move(l));
  }
  int mode = 0;
  if (lib.read(unread, "nvmlDeviceGetComputeMode", a.compute_mode, d, &mode)) s.compute_mode = compute_mode_name(mode);
  unsigned mig = 0, mig_pending = 0;
  if (a.mig_mode) {
    const Return r = a.mig_mode(d, &mig, &mig_pending);
    if (r == kSuccess)
      s.mig_enabled = mig != 0;
    else if (r == kErrorNotSupported)
      s.mig_enabled = false;  // a GPU without MIG is never partitioned
    else
      unread->push_back(lib.describe("nvmlDeviceGetMigMode", r));
  }
  if (auto processes = compute_processes(lib, d, unread)) {
    s.processes = std::move(*processes);
    s.processes_read = true;
  }
  if (lib.read(unread, "nvmlDeviceGetEnforcedPowerLimit", a.enforced_power_limit, d, &value))
    s.power_limit_w = value / 1000.0;
  if (lib.read(unread, "nvmlDeviceGetPowerManagementDefaultLimit", a.default_power_limit, d, &value))
    s.default_power_limit_w = value / 1000.0;
  if (lib.read(unread, "nvmlDeviceGetMaxClockInfo(SM)", a.max_clock, d, kClockSm, &value))
    s.max_sm_clock_mhz = static_cast<int>(value);
  if (lib.read(unread, "nvmlDeviceGetMaxClockInfo(MEM)", a.max_clock, d, kClockMem, &value))
    s.max_memory_clock_mhz = static_cast<int>(value);
  return s;
}

GpuHealthReport GpuMonitor::health() {
  GpuHealthReport r;
  r.worker_pid = static_cast<std::uint32_t>(getpid());
  r.worker_pid_namespace = runtime::own_pid_namespace();
  r.mps = mps_daemon();
  if (!library_) {
    r.error = error_;
    return r;
  }
  r.available = true;
  const auto& a = library_->api();
  char text[96] = {};
  if (library_->read(nullptr, "nvmlSystemGetNVMLVersion", a.system_nvml_version, text, 96u)) r.nvml_version = text;
  if (library_->read(nullptr, "nvmlSystemGetDriverVersion", a.system_driver_version, text, 96u))
    r.driver_version = text;
  unsigned count = 0;
  std::vector<std::string> problems;
  if (!library_->read(&problems, "nvmlDeviceGetCount_v2", a.device_count, &count)) {
    r.available = false;
    r.error = problems.front();
    return r;
  }
  for (unsigned i = 0; i < count; ++i) {
    Device d = nullptr;
    if (library_->read(&problems, "nvmlDeviceGetHandleByIndex_v2", a.device_by_index, i, &d))
      r.devices.push_back(snapshot(d));
  }
  drain_events();
  r.events_watched = events_set_ && events_error_.empty();
  r.events_error = events_set_ ? events_error_ : (events_error_.empty() ? "no event set" : events_error_);
  r.events = events_since(0);
  return r;
}

std::unique_ptr<GpuMonitor::Sampling> GpuMonitor::start_sampling(const std::string& uuid,
                                                                 std::chrono::microseconds period) {
  if (!library_) return nullptr;
  Device d = nullptr;
  if (!library_->read(nullptr, "nvmlDeviceGetHandleByUUID", library_->api().device_by_uuid, uuid.c_str(), &d))
    return nullptr;
  return std::make_unique<Sampling>(*this, d, period);
}

GpuMonitor::Sampling::Sampling(GpuMonitor& monitor, Device device, std::chrono::microseconds period)
    : monitor_(monitor), device_(device), period_(period), start_(std::chrono::steady_clock::now()) {
  first_event_ = monitor_.drain_events();
  violations_at_start_ = violations();
  telemetry_.available = true;
  telemetry_.worker_pid = static_cast<std::uint32_t>(getpid());
  telemetry_.worker_pid_namespace = runtime::own_pid_namespace();
  telemetry_.period_s = std::chrono::duration<double>(period_).count();
  unsigned limit = 0;
  if (monitor_.library_->read(nullptr, "nvmlDeviceGetEnforcedPowerLimit", monitor_.library_->api().enforced_power_limit,
                              device_, &limit))
    telemetry_.power_limit_w = limit / 1000.0;
  telemetry_.samples.push_back(sample(0));
  note_link_and_processes();
  thread_ = std::thread([this] { loop(); });
}

GpuMonitor::Sampling::~Sampling() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::map<std::string, std::uint64_t> GpuMonitor::Sampling::violations() {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [policy, name] : kPolicies) {
    ViolationTime v{};
    if (monitor_.library_->read(nullptr, "nvmlDeviceGetViolationStatus", monitor_.library_->api().violation_status,
                                device_, policy, &v))
      out[name] = v.violationTime;
  }
  return out;
}

TelemetrySample GpuMonitor::Sampling::sample(double t_s) {
  const auto& lib = *monitor_.library_;
  const auto& a = lib.api();
  TelemetrySample s;
  s.t_s = t_s;
  unsigned value = 0;
  if (lib.read(nullptr, "", a.clock, device_, kClockSm, &value)) s.sm_clock_mhz = static_cast<int>(value);
  if (lib.read(nullptr, "", a.clock, device_, kClockMem, &value)) s.memory_clock_mhz = static_cast<int>(value);
  if (lib.read(nullptr, "", a.power_usage, device_, &value)) s.power_w = value / 1000.0;
  if (lib.read(nullptr, "", a.temperature, device_, kTemperatureGpu, &value)) s.temperature_c = static_cast<int>(value);
  Utilization u{};
  if (lib.read(nullptr, "", a.utilization, device_, &u)) {
    s.gpu_utilization = static_cast<int>(u.gpu);
    s.memory_utilization = static_cast<int>(u.memory);
  }
  unsigned long long reasons = 0;
  if (lib.read(nullptr, "", a.clock_event_reasons, device_, &reasons)) s.clock_events = reasons;
  return s;
}

void GpuMonitor::Sampling::note_link_and_processes() {
  const auto& lib = *monitor_.library_;
  const auto& a = lib.api();
  unsigned gen = 0, width = 0;
  const auto own = static_cast<unsigned>(getpid());
  const auto processes = compute_processes(lib, device_, nullptr);
  const bool got_gen = lib.read(nullptr, "", a.pcie_gen, device_, &gen);
  const bool got_width = lib.read(nullptr, "", a.pcie_width, device_, &width);
  std::lock_guard lock(mutex_);
  if (got_gen) telemetry_.pcie_gen = std::max(telemetry_.pcie_gen.value_or(0), static_cast<int>(gen));
  if (got_width) telemetry_.pcie_width = std::max(telemetry_.pcie_width.value_or(0), static_cast<int>(width));
  if (processes) telemetry_.processes_read = true;
  for (const auto& p : processes.value_or(std::vector<ComputeProcess>{})) {
    if (p.pid == own) continue;
    auto& others = telemetry_.other_processes;
    const auto known = std::find_if(others.begin(), others.end(), [&](const auto& o) { return o.pid == p.pid; });
    if (known == others.end())
      others.push_back(p);
    else
      known->used_memory_bytes = std::max(known->used_memory_bytes, p.used_memory_bytes);
  }
}

void GpuMonitor::Sampling::loop() {
  auto next = start_ + period_;
  auto next_slow = start_ + kSlowPollEvery;
  while (!stop_) {
    std::this_thread::sleep_until(next);
    if (stop_) break;
    const auto now = std::chrono::steady_clock::now();
    auto s = sample(std::chrono::duration<double>(now - start_).count());
    {
      std::lock_guard lock(mutex_);
      auto& samples = telemetry_.samples;
      samples.push_back(s);
      if (samples.size() >= kMaxSamples) {  // keep every other reading, and read half as often from now on
        std::vector<TelemetrySample> thinned;
        for (std::size_t i = 0; i < samples.size(); i += 2) thinned.push_back(samples[i]);
        samples = std::move(thinned);
        period_ *= 2;
        telemetry_.period_s *= 2;
      }
    }
    if (now >= next_slow) {
      note_link_and_processes();
      monitor_.drain_events();
      next_slow = now + kSlowPollEvery;
    }
    next += period_;
    if (next < now) next = now + period_;
  }
}

MeasurementTelemetry GpuMonitor::Sampling::finish() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  const auto end = std::chrono::steady_clock::now();
  note_link_and_processes();
  std::lock_guard lock(mutex_);
  telemetry_.duration_s = std::chrono::duration<double>(end - start_).count();
  telemetry_.samples.push_back(sample(telemetry_.duration_s));
  for (const auto& s : telemetry_.samples) telemetry_.clock_events_seen |= s.clock_events;
  for (const auto& [name, now] : violations()) {
    const auto before = violations_at_start_.find(name);
    if (before != violations_at_start_.end())
      telemetry_.violation_ns[name] = now >= before->second ? now - before->second : 0;
  }
  monitor_.drain_events();
  telemetry_.events = monitor_.events_since(first_event_);
  return telemetry_;
}

}  // namespace gpucert::nvml

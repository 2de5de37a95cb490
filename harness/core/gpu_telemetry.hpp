// What NVML said about a GPU, as plain data (docs/HEALTH.md): a health snapshot taken before and after the
// suite, and the telemetry sampled around and during each measurement. The worker fills these through the
// driver's libnvidia-ml; the health checks (health_checks.hpp) judge them without a GPU. Every reading is
// optional: a GPU or driver that cannot give one says so in `unread`, and the check that needs it is waived
// with that sentence rather than guessed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "heap_optional.hpp"

namespace gpucert {

// NVML's clock-event ("throttle") reasons, the bits of nvmlDeviceGetCurrentClocksEventReasons.
namespace clock_event {
inline constexpr std::uint64_t kGpuIdle = 0x1;
inline constexpr std::uint64_t kApplicationsClocksSetting = 0x2;
inline constexpr std::uint64_t kSwPowerCap = 0x4;
inline constexpr std::uint64_t kHwSlowdown = 0x8;
inline constexpr std::uint64_t kSyncBoost = 0x10;
inline constexpr std::uint64_t kSwThermalSlowdown = 0x20;
inline constexpr std::uint64_t kHwThermalSlowdown = 0x40;
inline constexpr std::uint64_t kHwPowerBrakeSlowdown = 0x80;
inline constexpr std::uint64_t kDisplayClockSetting = 0x100;
// The reasons that mean the GPU is being slowed against its will: thermal or power-brake slowdown. A software
// power cap (the board's power limit doing its job) is recorded, not failed.
inline constexpr std::uint64_t kSlowdownMask =
    kHwSlowdown | kSwThermalSlowdown | kHwThermalSlowdown | kHwPowerBrakeSlowdown;
}  // namespace clock_event
// "sw_power_cap", "hw_thermal_slowdown", ... for each bit set; unknown bits as "0x..."
std::vector<std::string> clock_event_names(std::uint64_t reasons);

struct ComputeProcess {
  std::uint32_t pid = 0;
  std::string name;  // /proc/<pid>/cmdline, shortened; empty where the worker cannot see it (another namespace)
  std::uint64_t used_memory_bytes = 0;
};

// A critical event the driver raised through the NVML event set: an Xid error or a double-bit ECC error.
struct GpuEvent {
  std::string type;        // "xid", "double_bit_ecc"
  std::uint64_t data = 0;  // the Xid number, for "xid"
  std::string uuid;        // the GPU it concerned
};

struct NvlinkLink {
  int index = 0;
  bool active = false;
  std::map<std::string, std::uint64_t> errors;  // "replay", "recovery", "crc_flit", "crc_data": counters
};

// One GPU's state at one moment.
struct HealthSnapshot {
  std::string uuid;
  std::string name;
  std::string pci_bus_id;
  // ECC: uncorrectable errors since the driver loaded (volatile) and over the board's life (aggregate).
  std::optional<bool> ecc_enabled;
  std::optional<std::uint64_t> ecc_volatile_uncorrected, ecc_aggregate_uncorrected;
  // Page retirement (before Ampere) and row remapping (Ampere on).
  std::optional<std::uint64_t> retired_pages_double_bit;
  std::optional<bool> retired_pages_pending;
  std::optional<std::uint64_t> remapped_rows_correctable, remapped_rows_uncorrectable;
  std::optional<bool> remap_pending, remap_failed;
  // PCIe: the link as negotiated now and the most the GPU and its slot allow.
  std::optional<int> pcie_gen, pcie_gen_max, pcie_width, pcie_width_max;
  std::vector<NvlinkLink> nvlinks;          // empty: no NVLink on this GPU
  std::optional<std::string> compute_mode;  // "default", "exclusive_process", "prohibited", "exclusive_thread"
  std::optional<bool> mig_enabled;
  std::vector<ComputeProcess> processes;  // every compute process on the GPU, the worker's own included
  bool processes_read = false;            // whether NVML could list them (`unread` says why not)
  std::optional<double> power_limit_w, default_power_limit_w;
  std::optional<int> max_sm_clock_mhz, max_memory_clock_mhz;
  std::vector<std::string> unread;  // "nvmlDeviceGetRemappedRows: Not Supported": the readings that failed
};

// What one worker's NVML saw: every GPU it sees, the MPS control daemon, and the critical events since it
// started watching (the "after" report holds the run's events).
struct GpuHealthReport {
  bool available = false;
  std::string error;  // why not: the loader's message, nvmlInit's error
  std::string nvml_version, driver_version;
  std::uint32_t worker_pid = 0;  // the reporting worker's own process, never "another" process
  // Its PID namespace (the inode of /proc/self/ns/pid) and its pid as the host sees it: in a container the
  // worker's own pid is its namespace's, while NVML lists every process by host pid. The coordinator, on the
  // worker's host, finds host_pid (runtime/host_pid.hpp); 0 while unknown.
  std::uint64_t worker_pid_namespace = 0;
  std::uint32_t worker_host_pid = 0;
  std::optional<std::string> mps;  // evidence of an MPS daemon ("nvidia-cuda-mps-control, pid 123"), if one runs
  bool events_watched = false;
  std::string events_error;  // why events are not watched
  std::vector<GpuEvent> events;
  std::vector<HealthSnapshot> devices;

  [[nodiscard]] const HealthSnapshot* device(const std::string& uuid) const;
};

// One reading of the sampler that runs during a measurement.
struct TelemetrySample {
  double t_s = 0;  // since the sampler started
  int sm_clock_mhz = 0, memory_clock_mhz = 0;
  double power_w = 0;
  int temperature_c = 0;
  int gpu_utilization = 0, memory_utilization = 0;  // percent
  std::uint64_t clock_events = 0;                   // clock_event bits
};

// The telemetry of one run request: readings every period_s (fewer when the run was long: the sampler halves
// its rate rather than grow without bound), the clock-event reasons seen, and how much NVML's violation
// counters (ns at a reduced clock, per policy: "power", "thermal", "sync_boost", "board_limit",
// "low_utilization", "reliability") grew.
struct MeasurementTelemetry {
  bool available = false;
  std::string error;
  double period_s = 0, duration_s = 0;
  std::vector<TelemetrySample> samples;
  std::uint64_t clock_events_seen = 0;  // OR of every sample's
  std::map<std::string, std::uint64_t> violation_ns;
  std::optional<double> power_limit_w;
  std::optional<int> pcie_gen, pcie_width;      // the widest link seen while it ran (links train down when idle)
  std::vector<ComputeProcess> other_processes;  // compute processes other than the worker, seen while it ran
  bool processes_read = false;                  // whether NVML could list the processes at all
  std::vector<GpuEvent> events;                 // critical events while it ran
  // The worker that measured (GpuHealthReport says why three): interleaved rounds may span a restart, so
  // every host pid it had is kept.
  std::uint32_t worker_pid = 0;
  std::uint64_t worker_pid_namespace = 0;
  std::vector<std::uint32_t> worker_host_pids;

  [[nodiscard]] bool slowed_down() const;  // a slowdown reason (clock_event::kSlowdownMask) or thermal violation
  [[nodiscard]] std::optional<double> max_power_w() const;
};

// A measurement's telemetry, when its worker sent one (heap_optional.hpp: most records gathered at scale have none).
using OptionalTelemetry = HeapOptional<MeasurementTelemetry>;

// One measurement's telemetry from interleaved rounds: samples follow on in time, what was seen adds up.
void merge_telemetry(OptionalTelemetry& so_far, const OptionalTelemetry& round);

nlohmann::json to_json(const ComputeProcess& p);
nlohmann::json to_json(const GpuEvent& e);
nlohmann::json to_json(const HealthSnapshot& s);
nlohmann::json to_json(const GpuHealthReport& r);
nlohmann::json to_json(const MeasurementTelemetry& t);
Outcome<GpuHealthReport> gpu_health_report_from_json(const nlohmann::json& j);
Outcome<MeasurementTelemetry> measurement_telemetry_from_json(const nlohmann::json& j);

}  // namespace gpucert

// The driver's libnvidia-ml.so.1, opened with dlopen and read through a table of entry points found with
// dlsym (docs/HEALTH.md). Nothing links against NVML: where the library is absent (a container without the
// "utility" driver capability, a machine without a driver) open() returns the loader's own message, and the
// worker reports telemetry as unavailable with it. Every call's nvmlReturn_t becomes a sentence naming the
// call ("nvmlDeviceGetRemappedRows: Not Supported (3)"); an entry point this driver lacks is one too.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "nvml_abi.hpp"

namespace gpucert::nvml {

struct Api {
  Return (*init)() = nullptr;
  Return (*shutdown)() = nullptr;
  const char* (*error_string)(Return) = nullptr;
  Return (*system_driver_version)(char*, unsigned) = nullptr;
  Return (*system_nvml_version)(char*, unsigned) = nullptr;
  Return (*device_count)(unsigned*) = nullptr;
  Return (*device_by_index)(unsigned, Device*) = nullptr;
  Return (*device_by_uuid)(const char*, Device*) = nullptr;
  Return (*device_name)(Device, char*, unsigned) = nullptr;
  Return (*device_uuid)(Device, char*, unsigned) = nullptr;
  Return (*clock)(Device, int, unsigned*) = nullptr;
  Return (*max_clock)(Device, int, unsigned*) = nullptr;
  Return (*power_usage)(Device, unsigned*) = nullptr;           // mW
  Return (*enforced_power_limit)(Device, unsigned*) = nullptr;  // mW
  Return (*default_power_limit)(Device, unsigned*) = nullptr;   // mW
  Return (*temperature)(Device, int, unsigned*) = nullptr;
  Return (*utilization)(Device, Utilization*) = nullptr;
  Return (*clock_event_reasons)(Device, unsigned long long*) = nullptr;  // ...ClocksEventReasons or ...ThrottleReasons
  Return (*violation_status)(Device, int, ViolationTime*) = nullptr;
  Return (*compute_processes)(Device, unsigned*, ProcessInfo*) = nullptr;  // ComputeRunningProcesses_v3, else _v2
  Return (*ecc_mode)(Device, int*, int*) = nullptr;
  Return (*total_ecc_errors)(Device, int, int, unsigned long long*) = nullptr;
  Return (*retired_pages)(Device, int, unsigned*, unsigned long long*) = nullptr;
  Return (*retired_pages_pending)(Device, int*) = nullptr;
  Return (*remapped_rows)(Device, unsigned*, unsigned*, unsigned*, unsigned*) = nullptr;
  Return (*pcie_gen)(Device, unsigned*) = nullptr;
  Return (*pcie_gen_max)(Device, unsigned*) = nullptr;
  Return (*pcie_width)(Device, unsigned*) = nullptr;
  Return (*pcie_width_max)(Device, unsigned*) = nullptr;
  Return (*nvlink_state)(Device, unsigned, int*) = nullptr;
  Return (*nvlink_error_counter)(Device, unsigned, int, unsigned long long*) = nullptr;
  Return (*nvlink_version)(Device, unsigned, unsigned*) = nullptr;
  Return (*nvlink_remote_pci)(Device, unsigned, PciInfo*) = nullptr;  // _v2
  Return (*nvlink_remote_type)(Device, unsigned, int*) = nullptr;
  Return (*device_by_pci_bus_id)(const char*, Device*) = nullptr;  // _v2
  Return (*pci_info)(Device, PciInfo*) = nullptr;                  // _v3
  Return (*compute_mode)(Device, int*) = nullptr;
  Return (*mig_mode)(Device, unsigned*, unsigned*) = nullptr;
  Return (*event_set_create)(EventSet*) = nullptr;
  Return (*event_set_free)(EventSet) = nullptr;
  Return (*supported_event_types)(Device, unsigned long long*) = nullptr;
  Return (*register_events)(Device, unsigned long long, EventSet) = nullptr;
  Return (*event_set_wait)(EventSet, EventData*, unsigned) = nullptr;  // _v2, else the original
};

class Library {
 public:
  // dlopen(path), every entry point by dlsym, then nvmlInit_v2. Fails with the loader's message, or with
  // nvmlInit's error ("Driver Not Loaded (9)"), naming the file.
  static Outcome<std::shared_ptr<Library>> open(const std::string& path = "libnvidia-ml.so.1");
  ~Library();
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  [[nodiscard]] const Api& api() const { return api_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  // "nvmlDeviceGetRemappedRows: Not Supported (3)"
  [[nodiscard]] std::string describe(const char* call, Return result) const;

  // Calls fn(args...) when this driver has it; on failure adds describe()'s sentence to `unread` (when given)
  // and returns false.
  template <typename Fn, typename... Args>
  bool read(std::vector<std::string>* unread, const char* call, Fn fn, Args... args) const {
    if (!fn) {
      if (unread) unread->push_back(std::string(call) + ": not in this driver's libnvidia-ml");
      return false;
    }
    const Return result = fn(args...);
    if (result == kSuccess) return true;
    if (unread) unread->push_back(describe(call, result));
    return false;
  }

 private:
  Library() = default;
  void* handle_ = nullptr;
  std::string path_;
  Api api_;
};

}  // namespace gpucert::nvml

#include "nvml_library.hpp"

#include <dlfcn.h>

namespace gpucert::nvml {
namespace {

template <typename Fn>
void find(void* handle, Fn& slot, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (void* symbol = dlsym(handle, name)) {
      slot = reinterpret_cast<Fn>(symbol);
      return;
    }
}

}  // namespace

Outcome<std::shared_ptr<Library>> Library::open(const std::string& path) {
  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* message = dlerror();
    return GPUCERT_ERROR(message ? std::string(message) : "dlopen(" + path + ") failed without a message");
  }
  std::shared_ptr<Library> lib(new Library());
  lib->handle_ = handle;
  lib->path_ = path;
  auto& a = lib->api_;
  find(handle, a.init, {"nvmlInit_v2", "nvmlInit"});
  find(handle, a.shutdown, {"nvmlShutdown"});
  find(handle, a.error_string, {"nvmlErrorString"});
  find(handle, a.system_driver_version, {"nvmlSystemGetDriverVersion"});
  find(handle, a.system_nvml_version, {"nvmlSystemGetNVMLVersion"});
  find(handle, a.device_count, {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"});
  find(handle, a.device_by_index, {"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"});
  find(handle, a.device_by_uuid, {"nvmlDeviceGetHandleByUUID"});
  find(handle, a.device_name, {"nvmlDeviceGetName"});
  find(handle, a.device_uuid, {"nvmlDeviceGetUUID"});
  find(handle, a.clock, {"nvmlDeviceGetClockInfo"});
  find(handle, a.max_clock, {"nvmlDeviceGetMaxClockInfo"});
  find(handle, a.power_usage, {"nvmlDeviceGetPowerUsage"});
  find(handle, a.enforced_power_limit, {"nvmlDeviceGetEnforcedPowerLimit"});
  find(handle, a.default_power_limit, {"nvmlDeviceGetPowerManagementDefaultLimit"});
  find(handle, a.temperature, {"nvmlDeviceGetTemperature"});
  find(handle, a.utilization, {"nvmlDeviceGetUtilizationRates"});
  find(handle, a.clock_event_reasons,
       {"nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons"});
  find(handle, a.violation_status, {"nvmlDeviceGetViolationStatus"});
  find(handle, a.compute_processes,
       {"nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2"});
  find(handle, a.ecc_mode, {"nvmlDeviceGetEccMode"});
  find(handle, a.total_ecc_errors, {"nvmlDeviceGetTotalEccErrors"});
  find(handle, a.retired_pages, {"nvmlDeviceGetRetiredPages"});
  find(handle, a.retired_pages_pending, {"nvmlDeviceGetRetiredPagesPendingStatus"});
  find(handle, a.remapped_rows, {"nvmlDeviceGetRemappedRows"});
  find(handle, a.pcie_gen, {"nvmlDeviceGetCurrPcieLinkGeneration"});
  find(handle, a.pcie_gen_max, {"nvmlDeviceGetMaxPcieLinkGeneration"});
  find(handle, a.pcie_width, {"nvmlDeviceGetCurrPcieLinkWidth"});
  find(handle, a.pcie_width_max, {"nvmlDeviceGetMaxPcieLinkWidth"});
  find(handle, a.nvlink_state, {"nvmlDeviceGetNvLinkState"});
  find(handle, a.nvlink_error_counter, {"nvmlDeviceGetNvLinkErrorCounter"});
  find(handle, a.nvlink_version, {"nvmlDeviceGetNvLinkVersion"});
  find(handle, a.nvlink_remote_pci, {"nvmlDeviceGetNvLinkRemotePciInfo_v2"});
  find(handle, a.nvlink_remote_type, {"nvmlDeviceGetNvLinkRemoteDeviceType"});
  find(handle, a.device_by_pci_bus_id, {"nvmlDeviceGetHandleByPciBusId_v2"});
  find(handle, a.pci_info, {"nvmlDeviceGetPciInfo_v3"});
  find(handle, a.compute_mode, {"nvmlDeviceGetComputeMode"});
  find(handle, a.mig_mode, {"nvmlDeviceGetMigMode"});
  find(handle, a.event_set_create, {"nvmlEventSetCreate"});
  find(handle, a.event_set_free, {"nvmlEventSetFree"});
  find(handle, a.supported_event_types, {"nvmlDeviceGetSupportedEventTypes"});
  find(handle, a.register_events, {"nvmlDeviceRegisterEvents"});
  find(handle, a.event_set_wait, {"nvmlEventSetWait_v2", "nvmlEventSetWait"});
  if (!a.init || !a.shutdown)
    return GPUCERT_ERROR(path + " has no nvmlInit_v2/nvmlShutdown: not the NVIDIA Management Library");
  if (const Return r = a.init(); r != kSuccess) {
    auto message = lib->describe("nvmlInit_v2", r);
    a.shutdown = nullptr;  // nothing to shut down
    return GPUCERT_ERROR(message + " (" + path + ")");
  }
  return lib;
}

Library::~Library() {
  if (api_.shutdown) api_.shutdown();
  // Not dlclose()d: a driver library's threads may outlive nvmlShutdown, and unloading under them crashes.
}

std::string Library::describe(const char* call, Return result) const {
  const char* text = api_.error_string ? api_.error_string(result) : nullptr;
  return std::string(call) + ": " + (text ? text : "error") + " (" + std::to_string(result) + ")";
}

}  // namespace gpucert::nvml

// Workload plugins, loaded with dlopen from the worker's own folder (or GPUCERT_PLUGIN_DIR). A plugin that
// cannot load makes its workloads "unavailable", with the loader's message as the evidence.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/plugin_abi.h"
#include "core/probe_report.hpp"

namespace gpucert::worker {

struct LoadedPlugin {
  std::string file;                             // "libgpucert-gemm.so"
  const gpucert_plugin_v1* api = nullptr;       // null when it could not load
  gpucert_plugin_control_fn control = nullptr;  // GPUCERT_PLUGIN_CONTROL, when the plugin has one
  std::string evidence;                         // loader message, or the plugin's describe() JSON
};

class PluginSet {
 public:
  // Tries every plugin file the workload registry names.
  static PluginSet load_all();
  // The plugin serving `workload`, or null (then `why` says why).
  const gpucert_plugin_v1* find(const std::string& workload, std::string* why) const;
  // The loaded plugin serving `workload`, or null (then `why` says why); for its control entry.
  const LoadedPlugin* find_loaded(const std::string& workload, std::string* why) const;
  [[nodiscard]] std::vector<WorkloadAvailability> availability() const;

 private:
  std::map<std::string, LoadedPlugin> by_workload_;
};

}  // namespace gpucert::worker

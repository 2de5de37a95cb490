#include "plugins.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>

#include "core/workloads/workload_spec.hpp"

namespace gpucert::worker {
namespace {

std::filesystem::path plugin_dir() {
  if (const char* dir = std::getenv("GPUCERT_PLUGIN_DIR"); dir && *dir) return dir;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : self.parent_path();
}

LoadedPlugin load(const std::filesystem::path& dir, const std::string& file) {
  LoadedPlugin plugin{file, nullptr, nullptr, {}};
  const auto path = dir / file;
  if (!std::filesystem::exists(path)) {
    plugin.evidence = path.string() + ": not installed (gpucert was built without this plugin's library)";
    return plugin;
  }
  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* message = dlerror();
    plugin.evidence = message ? message : "dlopen failed without a message";
    return plugin;
  }
  auto entry = reinterpret_cast<gpucert_plugin_entry_fn>(dlsym(handle, GPUCERT_PLUGIN_ENTRY));
  if (!entry) {
    plugin.evidence = path.string() + ": no " GPUCERT_PLUGIN_ENTRY " symbol";
    return plugin;
  }
  const auto* api = entry();
  if (!api || api->abi_version != GPUCERT_PLUGIN_ABI_VERSION) {
    plugin.evidence = path.string() + ": plugin ABI version mismatch";
    return plugin;
  }
  plugin.api = api;
  plugin.control = reinterpret_cast<gpucert_plugin_control_fn>(dlsym(handle, GPUCERT_PLUGIN_CONTROL));
  if (char* text = api->describe()) {
    plugin.evidence = text;
    api->release(text);
  }
  return plugin;
}

}  // namespace

PluginSet PluginSet::load_all() {
  PluginSet set;
  const auto dir = plugin_dir();
  std::map<std::string, LoadedPlugin> by_file;
  for (const auto* spec : workload_registry()) {
    const std::string backend(spec->backend());
    if (backend == "worker") continue;
    auto it = by_file.find(backend);
    if (it == by_file.end()) it = by_file.emplace(backend, load(dir, backend)).first;
    set.by_workload_[std::string(spec->name())] = it->second;
  }
  return set;
}

const gpucert_plugin_v1* PluginSet::find(const std::string& workload, std::string* why) const {
  const auto* loaded = find_loaded(workload, why);
  return loaded ? loaded->api : nullptr;
}

const LoadedPlugin* PluginSet::find_loaded(const std::string& workload, std::string* why) const {
  auto it = by_workload_.find(workload);
  if (it == by_workload_.end()) {
    *why = "no plugin serves workload '" + workload + "'";
    return nullptr;
  }
  if (!it->second.api) {
    *why = it->second.evidence;
    return nullptr;
  }
  return &it->second;
}

std::vector<WorkloadAvailability> PluginSet::availability() const {
  std::vector<WorkloadAvailability> out;
  for (const auto* spec : workload_registry()) {
    const std::string name(spec->name());
    auto it = by_workload_.find(name);
    if (it == by_workload_.end()) {
      out.push_back({name, true, "worker", "built into gpucert-worker"});
    } else {
      out.push_back({name, it->second.api != nullptr, it->second.file, it->second.evidence});
    }
  }
  return out;
}

}  // namespace gpucert::worker

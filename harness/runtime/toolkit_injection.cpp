#include "toolkit_injection.hpp"

#include <algorithm>
#include <set>

namespace gpucert::runtime {
namespace {

std::string basename(const std::string& path) { return path.substr(path.rfind('/') + 1); }
std::string dirname(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? std::string("/") : path.substr(0, slash);
}

const char* const kCompatDir = "/usr/local/cuda/compat";

// The folders the image's own loader searches, which a host ldconfig of another distribution would not
// (nvidia-container-toolkit internal/ldconfig: debianSystemSearchPaths, nonDebianSystemSearchPaths).
std::vector<std::string> system_search_dirs(const ImageLayout& layout) {
  const bool arm = layout.machine == "aarch64" || layout.machine == "arm64";
  if (layout.debian_family) {
    const std::string triplet = arm ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
    return {"/lib/" + triplet, "/usr/lib/" + triplet, "/lib", "/usr/lib"};
  }
  if (arm) return {"/lib", "/usr/lib", "/lib64", "/usr/lib64"};
  return {"/lib", "/usr/lib", "/lib64", "/usr/lib64", "/libx32", "/usr/libx32"};
}

}  // namespace

std::string_view to_string(InjectionMode mode) { return mode == InjectionMode::Cdi ? "cdi" : "legacy"; }

toolkit::HostDriver host_driver(const HostFacts& facts) {
  toolkit::HostDriver driver;
  driver.release = facts.driver_release;
  if (driver.release.empty())
    for (const auto& library : facts.driver_libraries)
      if (auto release = toolkit::release_of_library(basename(library)); !release.empty()) driver.release = release;
  driver.cuda_version = toolkit::cuda_version_of_driver(driver.release);
  return driver;
}

Outcome<InjectionPlan> plan_injection(InjectionMode mode, const std::map<std::string, std::string>& image_env,
                                      const std::vector<std::string>& requested, const ImageLayout& layout,
                                      const HostFacts& facts, const toolkit::HostDriver& driver, bool gpu_optional) {
  InjectionPlan plan;
  plan.mode = mode;
  if (mode == InjectionMode::Legacy) {
    // docker --gpus puts NVIDIA_VISIBLE_DEVICES after the image's Env; the hook then reads the result.
    const auto env = toolkit::with_docker_gpus(image_env, requested);
    plan.devices = toolkit::visible_devices(env);
    if (plan.devices.selection == toolkit::DeviceSelection::Void) return plan;  // not a GPU container
    auto capabilities = toolkit::driver_capabilities(env);
    if (!capabilities) return capabilities.error();
    plan.capabilities = *capabilities;
    // Requirements are checked per visible GPU; the facts carry no compute capability or brand, so the
    // arch and brand rules hold here (as for a container without a visible GPU).
    if (auto s = toolkit::check_requirements(env, driver, {}); !s) return s.error();
  } else {
    // The CDI runtime names the devices; the image's variables are not read and every library is bound.
    plan.devices = toolkit::visible_devices({{"NVIDIA_VISIBLE_DEVICES", join_devices(requested)}});
    if (plan.devices.selection == toolkit::DeviceSelection::Void) return plan;
    plan.capabilities = toolkit::kAllCapabilities;
  }
  plan.inject = true;

  std::vector<std::string> ids;
  if (plan.devices.selection == toolkit::DeviceSelection::All)
    for (const auto& gpu : facts.gpus) ids.push_back(std::to_string(gpu.index));
  if (plan.devices.selection == toolkit::DeviceSelection::List) ids = plan.devices.ids;
  std::set<std::string> seen_nodes;
  for (const auto& id : ids) {
    auto gpu = find_gpu(facts, id);
    if (!gpu) {
      if (!gpu_optional) return GPUCERT_ERROR("device error: " + id + ": unknown device (" + gpu.error().message + ")");
      plan.skipped.push_back(id);
      continue;
    }
    if (seen_nodes.insert(gpu->node.path).second) plan.nodes.push_back(gpu->node);
  }
  for (const auto& n : facts.control_nodes) plan.nodes.push_back(n);

  if (mode == InjectionMode::Legacy)
    plan.library_dir = toolkit::legacy_library_dir(layout.debian_family, layout.machine);
  std::set<std::string> names, host_dirs;
  for (const auto& library : facts.driver_libraries) {
    const auto name = basename(library);
    if (!toolkit::library_of(name, plan.capabilities) || !names.insert(name).second) continue;
    // Legacy: into the image's library folder. CDI: at the host's path, its folder listed for the loader.
    const auto inside = mode == InjectionMode::Legacy ? plan.library_dir + "/" + name : library;
    plan.libraries.push_back({library, inside});
    if (mode == InjectionMode::Cdi) host_dirs.insert(dirname(library));
    // Programs that open "libcuda.so" (no version) get the link the toolkit makes too.
    if (name == "libcuda.so.1") plan.libraries.push_back({library, dirname(inside) + "/libcuda.so"});
  }
  const auto programs = toolkit::capability_programs(plan.capabilities);
  for (const auto& program : facts.driver_programs) {
    const auto name = basename(program);
    if (std::find(programs.begin(), programs.end(), name) == programs.end()) continue;
    plan.programs.push_back({program, mode == InjectionMode::Legacy ? "/usr/bin/" + name : program});
  }

  if (!layout.compat_libcuda.empty() && (plan.capabilities & toolkit::kCompute)) {
    const auto compat = toolkit::cuda_compat(layout.compat_libcuda, driver.release);
    plan.compat_note = compat.reason;
    // First in ld.so.conf.d, so its libcuda.so.1 precedes the host's in the cache.
    if (compat.use) plan.ld_conf_files.push_back({"00-compat-gpucert.conf", {kCompatDir}});
  }
  std::vector<std::string> injected(host_dirs.begin(), host_dirs.end());
  if (!plan.library_dir.empty()) injected.push_back(plan.library_dir);
  plan.ld_conf_files.push_back({"00-nvcr-gpucert.conf", injected});
  plan.ld_conf_files.push_back({"zz-nvcr-gpucert.conf", system_search_dirs(layout)});
  return plan;
}

std::string join_devices(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

}  // namespace gpucert::runtime

#include "oci_config.hpp"

#include <set>

namespace gpucert::runtime {
namespace {

using nlohmann::json;

// runc's own defaults (`runc spec`): kernel interfaces a container has no business reading or changing.
// /sys/devices/virtual/powercap is docker's addition (energy counters leak what other processes compute).
const char* const kMaskedPaths[] = {"/proc/acpi",
                                    "/proc/asound",
                                    "/proc/kcore",
                                    "/proc/keys",
                                    "/proc/latency_stats",
                                    "/proc/timer_list",
                                    "/proc/timer_stats",
                                    "/proc/sched_debug",
                                    "/sys/firmware",
                                    "/proc/scsi",
                                    "/sys/devices/virtual/powercap"};
const char* const kReadonlyPaths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};

json bind_ro(const std::string& source, const std::string& destination) {
  return {{"destination", destination},
          {"type", "bind"},
          {"source", source},
          {"options", {"bind", "ro", "nosuid", "nodev"}}};
}

json device(const DeviceNode& n) {
  return {{"path", n.path},   {"type", std::string(1, n.type)}, {"major", n.major},
          {"minor", n.minor}, {"fileMode", n.file_mode},        {"uid", n.uid},
          {"gid", n.gid}};
}

json allow(const DeviceNode& n) {
  return {{"allow", true}, {"type", std::string(1, n.type)}, {"major", n.major}, {"minor", n.minor}, {"access", "rwm"}};
}

}  // namespace

Outcome<InjectionPlan> oci_injection(const Environment& env, const HostFacts& facts, const OciOptions& options) {
  return plan_injection(options.injection, options.image_env, env.gpus, options.layout, facts, host_driver(facts),
                        options.gpu_optional);
}

Outcome<json> oci_config(const Environment& env, const HostFacts& facts, const OciOptions& options) {
  if (auto s = check_environment(env, RuntimeKind::Oci); !s) return s.error();
  if (env.image.front() != '/')
    return GPUCERT_ERROR("oci environment: the image must be the absolute path of a root filesystem, got '" +
                         env.image + "'");
  if (!options.etc_dir.empty() && options.etc_dir.front() != '/')
    return GPUCERT_ERROR("oci: etc_dir must be an absolute path, got '" + options.etc_dir + "'");
  if (auto s = check_driver_facts(facts); !s && !options.gpu_optional) return s.error();
  auto plan = oci_injection(env, facts, options);
  if (!plan) return GPUCERT_ERROR("the container toolkit would refuse this container: " + plan.error().message);

  for (const auto& [name, value] : options.image_env)
    if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos ||
        value.find('\0') != std::string::npos)
      return GPUCERT_ERROR("oci: the image's variable '" + name + "' cannot be passed on");
  auto vars = options.image_env;
  for (const auto& [name, value] : worker_variables(env)) vars[name] = value;
  vars.emplace("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  // As docker --gpus sets it, after the image's Env; CDI leaves the image's.
  if (options.injection == InjectionMode::Legacy) vars["NVIDIA_VISIBLE_DEVICES"] = join_gpus(env.gpus);
  json environment = json::array();
  for (const auto& [name, value] : vars) environment.push_back(name + "=" + value);

  json mounts = json::array();
  mounts.push_back({{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}});
  mounts.push_back({{"destination", "/dev"},
                    {"type", "tmpfs"},
                    {"source", "tmpfs"},
                    {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}});
  mounts.push_back({{"destination", "/dev/pts"},
                    {"type", "devpts"},
                    {"source", "devpts"},
                    {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}});
  if (env.host_ipc)  // NCCL's shared segments are files in /dev/shm: the host's, as docker --ipc host binds it
    mounts.push_back({{"destination", "/dev/shm"},
                      {"type", "bind"},
                      {"source", "/dev/shm"},
                      {"options", {"rbind", "nosuid", "nodev", "noexec"}}});
  else  // docker's 64 MiB is too small for NCCL; tmpfs takes only what is written
    mounts.push_back({{"destination", "/dev/shm"},
                      {"type", "tmpfs"},
                      {"source", "shm"},
                      {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=1g"}}});
  // The root is read-only; programs still expect a writable /tmp (nvcc's intermediate files, and the devel
  // check's program, which runs from there: so not noexec), as the writable layer of docker gives them.
  mounts.push_back({{"destination", "/tmp"},
                    {"type", "tmpfs"},
                    {"source", "tmpfs"},
                    {"options", {"nosuid", "nodev", "mode=1777", "size=1g"}}});
  mounts.push_back({{"destination", "/sys"},
                    {"type", "sysfs"},
                    {"source", "sysfs"},
                    {"options", {"nosuid", "noexec", "nodev", "ro"}}});
  if (!env.worker_host_path.empty()) mounts.push_back(bind_ro(env.worker_host_path, env.worker_container_path));
  for (const auto& plugin : env.plugin_host_paths)
    mounts.push_back(bind_ro(plugin, plugin_container_path(env, plugin)));
  if (!env.support_library_host_dir.empty())
    mounts.push_back(bind_ro(env.support_library_host_dir, support_library_container_dir(env)));
  // The toolkit writes the ld cache in the container's writable layer; here a copy of the image's /etc in
  // the bundle takes its place, so the root stays read-only (docs/CONTAINERS.md).
  const bool rebuild_cache = plan->inject && !options.etc_dir.empty() && !facts.ldconfig.empty();
  if (rebuild_cache)
    mounts.push_back({{"destination", "/etc"},
                      {"type", "bind"},
                      {"source", options.etc_dir},
                      {"options", {"rbind", "rw", "nosuid", "nodev"}}});
  for (const auto& library : plan->libraries) mounts.push_back(bind_ro(library.host, library.container));
  for (const auto& program : plan->programs) mounts.push_back(bind_ro(program.host, program.container));
  std::vector<DeviceNode> nodes = plan->nodes;

  json devices = json::array();
  json allowed = json::array({{{"allow", false}, {"access", "rwm"}}});
  for (const auto& n : nodes) {
    devices.push_back(device(n));
    allowed.push_back(allow(n));
  }

  json namespaces = json::array({{{"type", "pid"}}, {{"type", "mount"}}, {{"type", "uts"}}});
  if (!env.host_ipc) namespaces.push_back({{"type", "ipc"}});
  if (!env.host_network) namespaces.push_back({{"type", "network"}});  // only loopback: no network at all

  const json no_capabilities = json::array();
  json config = {
      {"ociVersion", "1.0.2"},
      {"process",
       {{"terminal", false},
        {"user", {{"uid", options.uid}, {"gid", options.gid}}},
        {"args", {env.worker_container_path}},
        {"env", environment},
        {"cwd", "/"},
        {"capabilities",
         {{"bounding", no_capabilities},
          {"effective", no_capabilities},
          {"inheritable", no_capabilities},
          {"permitted", no_capabilities},
          {"ambient", no_capabilities}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", options.nofile}, {"soft", options.nofile}}}},
        {"noNewPrivileges", true}}},
      {"root", {{"path", env.image}, {"readonly", true}}},
      {"hooks", json::object()},
      {"mounts", mounts},
      {"linux",
       {{"devices", devices},
        {"resources", {{"devices", allowed}}},
        {"namespaces", namespaces},
        {"maskedPaths", kMaskedPaths},
        {"readonlyPaths", kReadonlyPaths}}},
  };
  if (rebuild_cache) {
    // The host's ldconfig, chrooted into the container's root once every mount is in place and before the
    // root turns read-only (createContainer runs in the container's mount namespace), as the toolkit runs
    // it: -i leaves the image's aux cache alone, -X the image's links (the root is still the image's own).
    config["hooks"]["createContainer"] = json::array(
        {{{"path", facts.ldconfig},
          {"args", {facts.ldconfig, "-r", env.image, "-i", "-X", "-f", "/etc/ld.so.conf", "-C", "/etc/ld.so.cache"}}}});
  } else {
    config.erase("hooks");
  }
  return config;
}

}  // namespace gpucert::runtime

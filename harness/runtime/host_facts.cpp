// The impure half of host_facts.hpp: reads /proc, stats /dev, asks ldconfig (through process.cpp).
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/toolkit_rules.hpp"
#include "host_facts.hpp"
#include "process.hpp"

namespace gpucert::runtime {
namespace {

std::optional<DeviceNode> stat_node(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) return std::nullopt;
  DeviceNode node;
  node.path = path;
  node.type = S_ISCHR(st.st_mode) ? 'c' : 'b';
  node.major = major(st.st_rdev);
  node.minor = minor(st.st_rdev);
  node.file_mode = st.st_mode & 07777;
  node.uid = st.st_uid;
  node.gid = st.st_gid;
  return node;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The driver lists every GPU it drives, with its UUID, bus and minor number; nvidia-smi numbers them by bus.
std::vector<HostGpu> gpus_from_proc() {
  std::vector<HostGpu> gpus;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/driver/nvidia/gpus", ec)) {
    auto info = parse_gpu_information(read_text(entry.path() / "information"));
    if (!info || info->excluded) continue;
    auto node = stat_node("/dev/nvidia" + std::to_string(info->minor));
    if (!node) continue;  // the driver knows the GPU but nobody made its node: no container can use it
    HostGpu gpu;
    gpu.uuid = info->uuid;
    gpu.bus_id = info->bus_id.empty() ? entry.path().filename().string() : info->bus_id;
    gpu.node = *node;
    gpus.push_back(gpu);
  }
  return gpus;
}

// Without /proc/driver/nvidia (a container that sees only the nodes) the minor numbers are all there is.
std::vector<HostGpu> gpus_from_dev() {
  std::vector<HostGpu> gpus;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/dev", ec)) {
    const auto name = entry.path().filename().string();
    if (name.size() <= 6 || name.rfind("nvidia", 0) != 0 ||
        !std::all_of(name.begin() + 6, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    if (auto node = stat_node(entry.path().string())) {
      HostGpu gpu;
      gpu.node = *node;
      gpus.push_back(gpu);
    }
  }
  return gpus;
}

std::string ldconfig_arch() {
  utsname u{};
  if (uname(&u) != 0) return "";
  const std::string machine = u.machine;
  if (machine == "x86_64") return "x86-64";
  if (machine == "aarch64") return "AArch64";
  if (machine == "ppc64le") return "64bit";
  return "";
}

std::string ldconfig_program() {
  // Often not on an ordinary user's PATH.
  // ldconfig.real first, as libnvidia-container: Ubuntu's /sbin/ldconfig is a shell wrapper around it.
  for (const char* path : {"/sbin/ldconfig.real", "/sbin/ldconfig", "/usr/sbin/ldconfig"})
    if (access(path, X_OK) == 0) return path;
  return "ldconfig";
}

}  // namespace

Outcome<HostFacts> collect_host_facts() {
  HostFacts facts;
  auto gpus = gpus_from_proc();
  if (gpus.empty()) gpus = gpus_from_dev();
  facts.gpus = number_gpus(std::move(gpus));
  for (const char* path : {"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"})
    if (auto node = stat_node(path)) facts.control_nodes.push_back(*node);

  const auto arch = ldconfig_arch();
  if (arch.empty()) return GPUCERT_ERROR("cannot tell which ldconfig entries belong to this machine's architecture");
  LaunchSpec ldconfig;
  ldconfig.argv = {ldconfig_program(), "-p"};
  auto listed = run_to_completion(ldconfig, std::chrono::seconds(30));
  if (!listed) return GPUCERT_ERROR("cannot list the loader's libraries: " + listed.error().describe());
  if (listed->exit_code != 0)
    return GPUCERT_ERROR("`ldconfig -p` failed (exit code " + std::to_string(listed->exit_code) + "): " + listed->err);
  facts.driver_libraries = select_driver_libraries(parse_ldconfig(listed->out), arch);
  facts.driver_release = parse_driver_release(read_text("/proc/driver/nvidia/version"));
  if (facts.driver_release.empty())  // a container that sees the driver's libraries but not /proc/driver
    for (const auto& library : facts.driver_libraries) {
      const auto release = toolkit::release_of_library(std::filesystem::path(library).filename().string());
      if (!release.empty()) facts.driver_release = release;
    }
  for (const auto name : toolkit::capability_programs(toolkit::kAllCapabilities))
    for (const char* dir : {"/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/"}) {
      const auto path = std::string(dir) + std::string(name);
      if (access(path.c_str(), X_OK) == 0) {
        facts.driver_programs.push_back(path);
        break;
      }
    }
  const auto ldconfig_path = ldconfig.argv.front();
  if (ldconfig_path.front() == '/') facts.ldconfig = ldconfig_path;
  return facts;
}

}  // namespace gpucert::runtime

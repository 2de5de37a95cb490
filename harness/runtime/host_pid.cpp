#include "host_pid.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>

namespace gpucert::runtime {
namespace {

std::uint64_t namespace_inode(const std::filesystem::path& link) {
  struct stat st {};
  return ::stat(link.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_ino) : 0;
}

// The last field of "NSpid:": the pid in the process's own, innermost namespace.
std::optional<std::uint32_t> innermost_pid(const std::filesystem::path& status) {
  std::ifstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("NSpid:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    std::uint64_t pid = 0, last = 0;
    bool any = false;
    while (fields >> pid) {
      last = pid;
      any = true;
    }
    if (!any || last > UINT32_MAX) return std::nullopt;
    return static_cast<std::uint32_t>(last);
  }
  return std::nullopt;
}

std::optional<std::uint32_t> cached_host_pid(std::uint64_t pid_namespace, std::uint32_t pid) {
  if (pid == 0 || pid_namespace == 0) return std::nullopt;
  // Only a hit is kept: a worker not found yet (still starting) is looked for again next time.
  static std::map<std::pair<std::uint64_t, std::uint32_t>, std::uint32_t> found;
  const auto key = std::make_pair(pid_namespace, pid);
  if (const auto it = found.find(key); it != found.end()) return it->second;
  auto host = host_pid_of(pid_namespace, pid);
  if (host) found.emplace(key, *host);
  return host;
}

}  // namespace

std::uint64_t own_pid_namespace(const std::filesystem::path& proc) { return namespace_inode(proc / "self/ns/pid"); }

std::optional<std::uint32_t> host_pid_of(std::uint64_t pid_namespace, std::uint32_t pid,
                                         const std::filesystem::path& proc) {
  if (pid_namespace == 0 || pid == 0) return std::nullopt;
  if (pid_namespace == own_pid_namespace(proc)) return pid;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(proc, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos || name.size() > 10) continue;
    if (namespace_inode(it->path() / "ns/pid") != pid_namespace) continue;
    if (innermost_pid(it->path() / "status") != pid) continue;
    const auto host = std::stoull(name);
    if (host <= UINT32_MAX) return static_cast<std::uint32_t>(host);
  }
  return std::nullopt;
}

void resolve_worker_host_pid(GpuHealthReport& report) {
  if (auto host = cached_host_pid(report.worker_pid_namespace, report.worker_pid)) report.worker_host_pid = *host;
}

void resolve_worker_host_pid(OptionalTelemetry& telemetry) {
  if (!telemetry) return;
  auto host = cached_host_pid(telemetry->worker_pid_namespace, telemetry->worker_pid);
  if (host && std::find(telemetry->worker_host_pids.begin(), telemetry->worker_host_pids.end(), *host) ==
                  telemetry->worker_host_pids.end())
    telemetry->worker_host_pids.push_back(*host);
}

}  // namespace gpucert::runtime

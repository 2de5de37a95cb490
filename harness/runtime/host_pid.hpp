#pragma once
// A worker's pid as the host sees it. In a container the worker has its own PID namespace, so getpid() says 1
// or 7 while NVML, on the host and in the container alike, lists the GPU's compute processes by host pid: the
// exclusive-use check (docs/HEALTH.md) would take gpucert's own container workers for strangers. The worker
// reports its pid and its PID namespace; the coordinator, on the same host, finds the process in /proc whose
// PID namespace is that one and whose innermost pid (the last of /proc/PID/status's NSpid) is that pid.
#include <cstdint>
#include <filesystem>
#include <optional>

#include "core/gpu_telemetry.hpp"

namespace gpucert::runtime {

// The inode of PROC/self/ns/pid: the calling process's PID namespace; 0 where it cannot be read (no /proc).
[[nodiscard]] std::uint64_t own_pid_namespace(const std::filesystem::path& proc = "/proc");

// The host pid of the process that is PID in PID_NAMESPACE: PID itself in the caller's own namespace, else
// found by scanning PROC; nullopt where no process matches (it ended, or it runs on another host, or /proc
// hides other users' processes).
[[nodiscard]] std::optional<std::uint32_t> host_pid_of(std::uint64_t pid_namespace, std::uint32_t pid,
                                                       const std::filesystem::path& proc = "/proc");

// Fill in worker_host_pid / worker_host_pids from what the worker said of itself. A scan of /proc is a few
// milliseconds, so each (namespace, pid) is looked up once per coordinator.
void resolve_worker_host_pid(GpuHealthReport& report);
void resolve_worker_host_pid(OptionalTelemetry& telemetry);

}  // namespace gpucert::runtime

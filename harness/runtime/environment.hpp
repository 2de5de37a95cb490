// Where a worker runs: natively, or in an image under one container runtime, with exactly the GPUs it
// is given. Launchers (launchers.hpp) turn an Environment into a LaunchSpec; nothing here runs anything.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gpucert::runtime {

enum class RuntimeKind { Native, Docker, Podman, Apptainer, Enroot, Oci };

std::string_view to_string(RuntimeKind kind);
Outcome<RuntimeKind> parse_runtime_kind(std::string_view text);

struct Environment {
  RuntimeKind kind = RuntimeKind::Native;
  // docker, podman: a registry reference with a version tag or a digest ("localhost/cuda:13.0-runtime-ubuntu24.04",
  // "nvcr.io/nvidia/cuda@sha256:..."). apptainer: a .sif path or a docker:// URI. enroot: a .sqsh path or the
  // name of a container made with `enroot create`. oci: the absolute path of a root filesystem directory.
  std::string image;
  // GPU indices as nvidia-smi numbers them (PCI bus order) or UUIDs ("GPU-..."). Exactly these are visible
  // inside, renumbered from 0 there, as docker --gpus does.
  std::vector<std::string> gpus;
  // The worker on the host, bound read-only at worker_container_path. Empty: the image carries the worker.
  std::string worker_host_path;
  std::string worker_container_path = "/opt/gpucert/bin/gpucert-worker";
  // Plugins (libgpucert-*.so), each bound read-only beside the worker, where it looks for them.
  std::vector<std::string> plugin_host_paths;
  // The worker's own shared libraries that no CUDA image carries (Google Benchmark): a host folder bound
  // read-only at support_library_container_dir(), which the worker's run path ($ORIGIN/../lib) names.
  std::string support_library_host_dir;
  // Variables for the worker. NCCL_NVLS_ENABLE=0 is always added, and may not be set to anything else.
  std::map<std::string, std::string> extra_env;
  // NCCL between workers in different containers on one host needs both (the default):
  // - host network: the bootstrap connects to the TCP address each rank publishes, and NCCL's proxy and
  //   its cuMem handle exchange pass file descriptors over abstract Unix sockets, which exist per network
  //   namespace. In a private namespace the peers are unreachable (init hangs or fails) or, with a bridge,
  //   traffic between GPUs of one host goes through the network transport at a fraction of NVLink speed.
  // - host IPC: the SHM transport and the host-memory fallbacks share /dev/shm segments, and NCCL compares
  //   the /dev/shm device of both peers before using it. With private IPC the segments are invisible to the
  //   peer, NCCL drops to the network transport, and the container/native ratio measures that instead.
  // Only a worker that never joins a collective across containers should turn them off.
  bool host_network = true;
  bool host_ipc = true;
  // The container's name (docker/podman --name) or id (runc). Lets a caller remove a container whose
  // client it had to kill (removal_launch). Required for oci; letters, digits, '_', '-', '.'.
  std::string name;
};

// Checks every launcher relies on: GPUs given and well-formed, paths absolute, variable names valid,
// NVLink multicast never enabled. Each error names the field and the value.
Status check_environment(const Environment& env);
// The same, for a launcher of one runtime: refuses an environment of another kind.
Status check_environment(const Environment& env, RuntimeKind launcher);

// The variables every container worker gets: NCCL_NVLS_ENABLE=0 plus extra_env.
std::map<std::string, std::string> worker_variables(const Environment& env);

// "0,1": the GPU list as NVIDIA_VISIBLE_DEVICES and CUDA_VISIBLE_DEVICES spell it.
std::string join_gpus(const std::vector<std::string>& gpus);

// Host paths that a runtime parses out of a colon (or comma) separated mount option: refused when they
// contain a separator, since the runtime would split them and mount something else.
Status check_mount_path(const std::string& path, std::string_view runtime, std::string_view separators);

// Where a plugin lands inside: beside the worker, under its own file name.
std::string plugin_container_path(const Environment& env, const std::string& plugin_host_path);

// Where support_library_host_dir lands: "lib" beside the worker's folder ("/opt/gpucert/lib").
std::string support_library_container_dir(const Environment& env);

// "HOST:CONTAINER:<options>" for the worker, each plugin and the support library folder, every host path checked with
// check_mount_path against the runtime's separators.
Outcome<std::vector<std::string>> worker_binds(const Environment& env, std::string_view runtime,
                                               std::string_view separators, std::string_view options);

}  // namespace gpucert::runtime

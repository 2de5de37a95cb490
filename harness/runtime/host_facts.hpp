// What a container needs from the host to use its GPUs the way the NVIDIA Container Toolkit sets them up:
// the device nodes (with their numbers) and the driver's user-space libraries. The parsers are pure and
// tested on captured text; collect_host_facts() is the one place that looks at this host.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gpucert::runtime {

struct DeviceNode {
  std::string path;       // inside the container, and on the host unless host_path says otherwise: /dev/nvidia0
  std::string host_path;  // where a driver container keeps it (/run/nvidia/driver/dev/nvidia0); empty: path
  char type = 'c';
  long long major = 0;
  long long minor = 0;
  unsigned file_mode = 0666;
  unsigned uid = 0;
  unsigned gid = 0;
};

struct HostGpu {
  int index = 0;       // nvidia-smi's number: the GPU's place in PCI bus order
  std::string uuid;    // "GPU-...", empty where the driver did not say
  std::string bus_id;  // "0000:18:00.0"
  DeviceNode node;     // /dev/nvidia<minor>; the minor need not equal the index
};

struct HostFacts {
  std::vector<HostGpu> gpus;                  // by index
  std::vector<DeviceNode> control_nodes;      // those present of /dev/nvidiactl, /dev/nvidia-uvm, /dev/nvidia-uvm-tools
  std::vector<std::string> driver_libraries;  // absolute host paths, one per library name
  std::string driver_release;                 // "580.95.05" from /proc/driver/nvidia/version; empty: unknown
  std::vector<std::string> driver_programs;  // nvidia-smi, ... (absolute host paths) found in /usr/bin, /usr/sbin, /bin
  std::string ldconfig;                      // the host's ldconfig, which the toolkit runs in the container's root
};

// "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05  Tue Sep 23 ..." -> "580.95.05"; empty if absent.
std::string parse_driver_release(std::string_view proc_version_text);

// The GPU an environment names: "1" by index, "GPU-..." by UUID. The error lists the GPUs there are.
Outcome<HostGpu> find_gpu(const HostFacts& facts, const std::string& id);

// What every container that uses these facts needs and cannot make itself (it has no capabilities):
// /dev/nvidiactl, /dev/nvidia-uvm and libcuda.so.1. The error says how to get each.
Status check_driver_facts(const HostFacts& facts);

// One line of `ldconfig -p`: "\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1".
struct LdconfigEntry {
  std::string name;   // libcuda.so.1
  std::string flags;  // libc6,x86-64
  std::string path;
};
std::vector<LdconfigEntry> parse_ldconfig(std::string_view text);

// The driver libraries of every capability the toolkit knows (toolkit_rules.hpp), for one architecture as
// ldconfig spells it in the flags ("x86-64", "AArch64"): versioned names only, never the toolkit's stubs or its
// forward-compatibility copies, the first path of each name (ldconfig's order is the loader's).
std::vector<std::string> select_driver_libraries(const std::vector<LdconfigEntry>& entries, std::string_view arch);

// /proc/driver/nvidia/gpus/<bus id>/information: "GPU UUID:", "Bus Location:", "Device Minor:", "GPU Excluded:".
struct GpuInformation {
  std::string uuid;
  std::string bus_id;
  long long minor = -1;
  bool excluded = false;
};
Outcome<GpuInformation> parse_gpu_information(std::string_view text);

// Numbers the GPUs as nvidia-smi does: in PCI bus id order from 0. Leave out the GPUs the driver excludes
// (GpuInformation::excluded) first: NVML does not count them.
std::vector<HostGpu> number_gpus(std::vector<HostGpu> gpus);

// This host's GPUs, control nodes (stat for their numbers) and driver libraries (`ldconfig -p`, run
// through process.cpp). Partial facts are still facts: a host without GPUs gives empty lists.
Outcome<HostFacts> collect_host_facts();

}  // namespace gpucert::runtime

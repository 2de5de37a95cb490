// What the NVIDIA Container Toolkit puts into one container, as a plan: device nodes, driver libraries and
// programs with their places inside, the ld.so.conf.d entries and the ld cache rebuild. Two ways, as
// production has them (docs/CONTAINERS.md):
// - legacy: docker --gpus / nvidia-container-runtime-hook. The image's NVIDIA_* variables decide (the
//   request's NVIDIA_VISIBLE_DEVICES on top), requirements are checked, the libraries of the requested
//   capabilities land in the image's own library folder;
// - cdi: podman --device nvidia.com/gpu=N with the spec `nvidia-ctk cdi generate` (or `gpucert cdi`) writes.
//   The runtime names the devices, the image's variables are not read, every driver library is bound at its
//   host path, and the host folders are listed in ld.so.conf.d.
// Both rebuild the container's ld cache and use /usr/local/cuda/compat only when it is newer than the
// host driver. Pure: the image's layout and the host's facts come in as values.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/toolkit_rules.hpp"
#include "host_facts.hpp"

namespace gpucert::runtime {

enum class InjectionMode { Legacy, Cdi };
std::string_view to_string(InjectionMode mode);

// What the toolkit looks at in the image's root filesystem.
struct ImageLayout {
  bool debian_family = false;      // /etc/debian_version
  std::string compat_libcuda;      // the one /usr/local/cuda/compat/libcuda.so.*.* file name; empty: none (or several)
  std::string machine = "x86_64";  // the image's architecture, as uname spells it
};

struct FileBind {
  std::string host;
  std::string container;
};

struct InjectionPlan {
  InjectionMode mode = InjectionMode::Legacy;
  bool inject = false;              // false: NVIDIA_VISIBLE_DEVICES void (or unset): nothing at all
  toolkit::VisibleDevices devices;  // what was asked
  unsigned capabilities = 0;
  std::vector<DeviceNode> nodes;    // the GPUs' nodes, then the control nodes
  std::vector<FileBind> libraries;  // read-only binds of the driver's libraries
  std::vector<FileBind> programs;   // nvidia-smi and friends
  std::string library_dir;          // legacy: the image's library folder; cdi: empty
  // /etc/ld.so.conf.d files written for the container before its ld cache is rebuilt, by name, one folder a
  // line: 00-compat-gpucert.conf (forward compatibility, first), 00-nvcr-gpucert.conf (the injected
  // libraries' folders), zz-nvcr-gpucert.conf (the image's system folders, last), as nvidia-cdi-hook does.
  std::vector<std::pair<std::string, std::vector<std::string>>> ld_conf_files;
  std::string compat_note;           // why /usr/local/cuda/compat is or is not used
  std::vector<std::string> skipped;  // requested GPUs the host lacks (doctor: gpu_optional)
};

// requested: the GPUs the runtime was asked for (docker --gpus device=0,1 / "all"; CDI device names "0",
// "GPU-...", "all"). image_env: the image's Env. driver: the host driver, for the requirements and compat.
// Fails as the toolkit fails: an unsupported capability, an unsatisfied requirement ("requirement error:
// unsatisfied condition: cuda>=..."), an unknown GPU (unless gpu_optional).
Outcome<InjectionPlan> plan_injection(InjectionMode mode, const std::map<std::string, std::string>& image_env,
                                      const std::vector<std::string>& requested, const ImageLayout& layout,
                                      const HostFacts& facts, const toolkit::HostDriver& driver,
                                      bool gpu_optional = false);

// "0,1" (no spaces), the request as NVIDIA_VISIBLE_DEVICES spells it.
std::string join_devices(const std::vector<std::string>& ids);

// The host driver as the facts show it: the release from libcuda.so.<release> beside the driver's
// libraries (HostFacts::driver_release when collected), the CUDA version from NVIDIA's branch table.
toolkit::HostDriver host_driver(const HostFacts& facts);

}  // namespace gpucert::runtime

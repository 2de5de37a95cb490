// What the NVIDIA Container Toolkit decides for an image, as pure functions of the image's Env and the
// host driver: which GPUs it exposes, which driver capabilities (and so which libraries and programs) it
// injects, which NVIDIA_REQUIRE_* conditions it checks and with which words it refuses, and when it uses
// the image's forward-compatibility libcuda. Each rule cites its source in docs/CONTAINERS.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"

namespace gpucert::toolkit {

using Env = std::map<std::string, std::string>;

// CUDA_VERSION set and NVIDIA_REQUIRE_CUDA unset or empty: an image from before the requirement variables.
bool is_legacy_image(const Env& env);

// NVIDIA_VISIBLE_DEVICES as the toolkit reads it. Void: nothing is injected at all (no node, no library).
// None: the driver's libraries and programs, but no GPU. All, or a list of indices/UUIDs.
enum class DeviceSelection { Void, None, All, List };
struct VisibleDevices {
  DeviceSelection selection = DeviceSelection::Void;
  std::vector<std::string> ids;  // for List
  std::string why;               // "NVIDIA_VISIBLE_DEVICES unset" ...
};
VisibleDevices visible_devices(const Env& env);
std::string describe(const VisibleDevices& devices);

// What `docker run --gpus X` adds to the container's Env (after the image's, so it wins): X = "all" gives
// NVIDIA_VISIBLE_DEVICES=all, a list gives the list. NVIDIA_DRIVER_CAPABILITIES is left to the image unless
// `--gpus 'capabilities=...'` names any. An empty `gpus` adds nothing (no --gpus: the image's Env decides).
Env with_docker_gpus(Env env, const std::vector<std::string>& gpus);

enum Capability : unsigned {
  kCompute = 1u << 0,
  kUtility = 1u << 1,
  kVideo = 1u << 2,
  kGraphics = 1u << 3,
  kDisplay = 1u << 4,
  kNgx = 1u << 5,
  kCompat32 = 1u << 6,
  kAllCapabilities = (1u << 7) - 1,
};
// "compute,utility" (sorted), or "all" when every capability is in.
std::string capabilities_text(unsigned capabilities);

// NVIDIA_DRIVER_CAPABILITIES as the legacy hook reads it: unset on a legacy image: all; unset or empty:
// compute,utility; otherwise the listed ones ("all" for every one). A name outside the seven is refused with
// the hook's words: "unsupported capabilities found in 'X' (allowed 'Y')".
Outcome<unsigned> driver_capabilities(const Env& env);

// The driver libraries (name prefixes, "libcuda.so") and programs each capability brings (libnvidia-container's
// nvc_info.c lists). compat32 brings the 32-bit copies of the others' libraries.
std::vector<std::string_view> capability_libraries(unsigned capabilities);
std::vector<std::string_view> capability_programs(unsigned capabilities);
// The file (a basename: "libcuda.so.580.95.05", "libcuda.so.1") is one of those libraries.
bool library_of(std::string_view file, unsigned capabilities);
// The file is any driver library of the lists, whatever its capability.
bool is_driver_library_file(std::string_view file);

// The host driver, as the requirement rules see it: its release ("580.95.05") and the CUDA version it
// supports ("13.0"); empty: unknown, and the rules over it then hold (as libnvidia-container does).
struct HostDriver {
  std::string release;
  std::string cuda_version;
};
// One GPU for the arch and brand rules: compute capability "9.0", brand "Tesla"/"Nvidia"...; empty: unknown.
struct GpuTraits {
  std::string arch;
  std::string brand;
};

// Every NVIDIA_REQUIRE_* value (NVIDIA_REQUIRE_JETPACK aside), plus "cuda>=MAJOR.MINOR" of CUDA_VERSION for a
// legacy image; none when NVIDIA_DISABLE_REQUIRE is true (as Go's strconv.ParseBool reads it). Fails on a
// legacy image whose CUDA_VERSION is not a version.
Outcome<std::vector<std::string>> requirements(const Env& env);

// One requirement: space-separated alternatives, each a comma-separated conjunction of NAME OP VALUE over
// cuda, driver, arch, brand. Checked per GPU (each must pass), or once without GPU facts when there are none.
// The failure is the toolkit's text: "unsatisfied condition: cuda>=12.4, please update your driver to a
// newer version, or use an earlier cuda container", or "invalid expression".
Status check_requirement(const std::string& requirement, const HostDriver& driver, const std::vector<GpuTraits>& gpus);
// All of them, failing as nvidia-container-cli does: "requirement error: unsatisfied condition: ...".
Status check_requirements(const Env& env, const HostDriver& driver, const std::vector<GpuTraits>& gpus);

// Dotted versions compared numerically, a missing field as 0 (dsl_compare_version). nullopt: not a version.
std::optional<int> compare_versions(std::string_view a, std::string_view b);

// The CUDA version a driver branch supports ("580.95.05" -> "13.0", "535.183.01" -> "12.2"), from NVIDIA's
// table of toolkit drivers; empty for a branch the table does not know.
std::string cuda_version_of_driver(std::string_view release);
// "libcuda.so.580.95.05" -> "580.95.05"; empty when the name carries no release.
std::string release_of_library(std::string_view file);

// The image's forward-compatibility libcuda (/usr/local/cuda/compat/libcuda.so.RELEASE) is used, in front of
// the host's, only when its major is newer than the host driver's (the cuda-compat hook's fallback rule).
struct CompatDecision {
  bool use = false;
  std::string reason;
};
CompatDecision cuda_compat(std::string_view compat_libcuda_file, std::string_view host_release);

// Where the legacy hook places the libraries in the image: the multiarch folder on Debian-family images
// (/etc/debian_version present), /usr/lib64 otherwise. machine: uname's "x86_64", "aarch64".
std::string legacy_library_dir(bool debian_family, std::string_view machine);

}  // namespace gpucert::toolkit

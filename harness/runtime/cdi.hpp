// A Container Device Interface spec for hosts without nvidia-ctk, so that podman (or any CDI runtime) can
// run `--device nvidia.com/gpu=0`, with what `nvidia-ctk cdi generate` writes: one device per GPU, named by
// index and by UUID, and "all", holding the GPUs' nodes; common to every device the control nodes, every
// driver library and program bound read-only at its host path (the toolkit's CDI placement,
// toolkit_injection.hpp), NVIDIA_VISIBLE_DEVICES=void (so that a toolkit hook does not inject twice), and
// createContainer hooks that enable forward compatibility and rebuild the ld cache with the libraries'
// folders, run by `gpucert cdi hook` where nvidia-cdi-hook is absent.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "host_facts.hpp"

namespace gpucert::runtime {

struct CdiOptions {
  std::string kind = "nvidia.com/gpu";
  // The program the hooks run: `PROGRAM cdi hook update-ldcache --folder DIR...` and `PROGRAM cdi hook
  // enable-cuda-compat --host-driver-version=R` (an absolute gpucert path). Empty: no hooks, and the
  // libraries are found only where the image's loader already looks.
  std::string hook_program;
};

// The kind is vendor.com/class, the hook program absolute (or empty).
Status check_cdi_options(const CdiOptions& options);

Outcome<nlohmann::json> cdi_spec(const HostFacts& facts, const CdiOptions& options = {});

// What the spec's hooks do to a container's root filesystem (ROOT as the runtime sees it in the container's
// mount namespace), as nvidia-cdi-hook does: enable-cuda-compat writes 00-compat-gpucert.conf when the
// image's compat libcuda is newer than host_driver_release; update-ldcache writes 00-nvcr-gpucert.conf with
// the folders and zz-nvcr-gpucert.conf with the image's system folders, makes /etc/ld.so.conf if missing,
// and returns the ldconfig argv to run (empty for enable-cuda-compat).
Outcome<std::vector<std::string>> run_cdi_hook(const std::string& hook, const std::string& root,
                                               const std::vector<std::string>& folders,
                                               const std::string& host_driver_release, const std::string& ldconfig);

// The container's root folder from the OCI state a hook reads on stdin ({"bundle": ...}) and the bundle's
// config.json (root.path, relative to the bundle when not absolute).
Outcome<std::string> container_root_from_state(const std::string& state_json);

}  // namespace gpucert::runtime

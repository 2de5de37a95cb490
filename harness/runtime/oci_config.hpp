// The OCI runtime-spec config.json for running the worker with `runc run` (or crun): the GPU injected the way
// the NVIDIA Container Toolkit does it (toolkit_injection.hpp), nothing more. The device nodes it picks,
// created and allowed in the device cgroup; the driver libraries bound read-only where it places them; the
// ld cache rebuilt by the host's ldconfig (a createContainer hook) into a bundle copy of /etc; no
// capability, no_new_privs, a read-only root. Pure: the host's facts come in as values (host_facts.hpp).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "environment.hpp"
#include "host_facts.hpp"
#include "launchers.hpp"

namespace gpucert::runtime {

// What the toolkit would inject for env under options.injection (toolkit_injection.hpp).
Outcome<InjectionPlan> oci_injection(const Environment& env, const HostFacts& facts, const OciOptions& options = {});

// env.image is the root filesystem (absolute). Fails when a GPU is not in the facts, or the facts lack
// what CUDA cannot do without (check_driver_facts).
Outcome<nlohmann::json> oci_config(const Environment& env, const HostFacts& facts, const OciOptions& options = {});

// What the toolkit reads in a root filesystem: /etc/debian_version, /usr/local/cuda/compat/libcuda.so.*.*.
ImageLayout inspect_image_layout(const std::string& rootfs, const std::string& machine);

// BUNDLE_DIR/etc: a copy of the image's /etc (an ld.so.conf made when it has none) with the plan's
// ld.so.conf.d files, for OciOptions::etc_dir. Returns its path.
Outcome<std::string> prepare_bundle_etc(const std::string& rootfs, const std::string& bundle_dir,
                                        const InjectionPlan& plan);

// Writes BUNDLE_DIR/config.json (created whole, then renamed into place).
Status write_oci_config(const std::string& bundle_dir, const nlohmann::json& config);

}  // namespace gpucert::runtime

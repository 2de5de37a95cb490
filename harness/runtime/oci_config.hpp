// The OCI runtime-spec config.json for running the worker with `runc run` (or crun): the GPU injected the way
// the NVIDIA Container Toolkit does it, nothing more. The requested GPUs' device nodes and the control
// nodes, created and allowed in the device cgroup; the driver libraries bound read-only; no capability,
// no_new_privs, a read-only root. Pure: the host's facts come in as values (host_facts.hpp).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "environment.hpp"
#include "host_facts.hpp"
#include "launchers.hpp"

namespace gpucert::runtime {

// env.image is the root filesystem (absolute). Fails when a GPU is not in the facts, or the facts lack
// what CUDA cannot do without (check_driver_facts).
Outcome<nlohmann::json> oci_config(const Environment& env, const HostFacts& facts, const OciOptions& options = {});

// Writes BUNDLE_DIR/config.json (created whole, then renamed into place).
Status write_oci_config(const std::string& bundle_dir, const nlohmann::json& config);

}  // namespace gpucert::runtime

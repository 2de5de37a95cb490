// A Container Device Interface spec for hosts without nvidia-ctk, so that podman (or any CDI runtime) can
// run `--device nvidia.com/gpu=0`: one device per GPU, named by index and by UUID, holding its node; the
// control nodes and the driver libraries (read-only) as edits common to every device.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "host_facts.hpp"

namespace gpucert::runtime {

struct CdiOptions {
  std::string kind = "nvidia.com/gpu";
  // Where the driver libraries appear inside: the folder NVIDIA's CUDA images list in LD_LIBRARY_PATH
  // (a CDI spec cannot add to an image's LD_LIBRARY_PATH, only add a second one that the loader ignores).
  std::string driver_dir = "/usr/local/nvidia/lib64";
};

// The kind is vendor.com/class, the folder absolute.
Status check_cdi_options(const CdiOptions& options);

Outcome<nlohmann::json> cdi_spec(const HostFacts& facts, const CdiOptions& options = {});

}  // namespace gpucert::runtime

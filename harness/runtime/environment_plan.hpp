// Which container environments a run compares with native: `--flavors base,runtime --runtime oci
// --image-prefix DIR` or `--image NAME=REF`, turned into named choices. Pure: nothing is started here.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"
#include "environment.hpp"

namespace gpucert::runtime {

struct EnvironmentRequest {
  RuntimeKind runtime = RuntimeKind::Oci;
  std::vector<std::string> flavors;  // base, runtime, runtime-cudnn, devel
  // Where the flavors' images are. podman, docker, apptainer (docker://), enroot: a repository,
  // "localhost/cuda" gives "localhost/cuda:13.0-runtime-ubuntu24.04". oci: a folder holding one folder per
  // flavor, each with rootfs/ and image-config.json (what images/build-local --output bundle writes).
  std::string image_prefix;
  std::string cuda_version;  // "13.0": the tag's first part
  // `--cuda 11.8,12.9,13.0`: every flavor in each of these CUDA versions, named "cuda<version>-<flavor>"; the
  // images are <prefix>:<version>-<flavor>-<os>, for oci <prefix>/<version>/<flavor>/rootfs. Not with cuda_version.
  std::vector<std::string> cuda_versions;
  std::string os;                   // "ubuntu24.04": the tag's last part
  std::vector<std::string> images;  // "NAME=REF": an image of no flavor, or a flavor's image given outright
};

struct EnvironmentChoice {
  std::string name;    // unique, never "native": the flavor, or NAME of --image
  std::string flavor;  // empty for an image of no flavor
  RuntimeKind runtime = RuntimeKind::Oci;
  std::string image;         // reference, or the root filesystem folder for oci
  std::string cuda_version;  // the `--cuda` version it was planned for; empty otherwise
};

// The flavors first, in the order asked, then the --image entries. Each problem names the option and the
// value: an unknown flavor, a name used twice, "native", an oci image path that is not absolute, a `latest`
// tag, a prefix that is missing where flavors need one.
Outcome<std::vector<EnvironmentChoice>> plan_environments(const EnvironmentRequest& request,
                                                          const std::vector<std::string>& known_flavors);

// "localhost/cuda:13.0-runtime-ubuntu24.04" (registries) or "DIR/runtime/rootfs" (oci); with a `--cuda` version
// "localhost/cuda:12.9-runtime-ubuntu24.04" or "DIR/12.9/runtime/rootfs".
std::string flavor_image(const EnvironmentRequest& request, const std::string& flavor,
                         const std::string& cuda_version = {});

}  // namespace gpucert::runtime

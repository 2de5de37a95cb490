// Reads what the static doctor needs from a root filesystem (core/image_doctor.hpp): the loader's folders
// (LD_LIBRARY_PATH from the image's Env, /etc/ld.so.conf and its includes, the system folders), every
// libcuda there or in CUDA's folders, the forward-compatibility libcuda, the sonames of the CUDA libraries,
// and the CUDA that PyTorch (torch/version.py) and conda (conda-meta) packages were built for. Symlinks are
// followed inside the root, never out of it.
#pragma once

#include <map>
#include <string>

#include "core/image_doctor.hpp"

namespace gpucert::runtime {

// PATH (absolute, inside the image) as a host path under ROOTFS, each symlink on the way resolved against
// the root: an image's "/lib -> usr/lib" or "/etc/alternatives/x -> /opt/x" never leads out of it.
std::string resolve_in_root(const std::string& rootfs, const std::string& path);

ImageFiles read_image_files(const std::string& rootfs, const std::map<std::string, std::string>& image_env);

}  // namespace gpucert::runtime

// The image policy (docs/ARCHITECTURE.md, "The image policy"): an image is named so that its content cannot change
// under the same name, a version tag or a digest, and never `latest`. Checked before any runtime sees the name.
#pragma once

#include <string_view>

#include "core/error.hpp"

namespace gpucert::runtime {

// A registry reference: "localhost/cuda:13.0-runtime-ubuntu24.04", "nvcr.io/nvidia/cuda@sha256:<64 hex>",
// "registry:5000/cuda:12.9-base" (a port is not a tag). Refused: no tag and no digest, the tag `latest`, a
// malformed digest. With a URI scheme ("docker://..."; enroot's "docker://USER@REGISTRY#IMAGE:TAG" too) the
// scheme is set aside first.
Status check_image_reference(std::string_view reference);

// "docker://...", "oras://...": an image a runtime fetches, rather than a file on this host.
bool is_image_uri(std::string_view image);

}  // namespace gpucert::runtime

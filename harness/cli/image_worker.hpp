// Which gpucert-worker goes into an image: the one of the image's CUDA major (runtime/worker_builds.hpp), read
// from what the image says of itself (CUDA_VERSION); this gpucert's own where the image says nothing. An image
// of a major no worker of this gpucert has is refused with the reason and the way out (check_worker_fits_image).
#pragma once

#include <string>

#include "core/error.hpp"
#include "runtime/environment_plan.hpp"

namespace gpucert::cli {

// The worker's path for `image` under `runtime`; `own` is this gpucert's own worker (built with
// GPUCERT_CUDA_BUILD_VERSION). `note` says how it was chosen, for the user.
Outcome<std::string> image_worker(const runtime::EnvironmentChoice& image, const std::string& own, std::string& note);

}  // namespace gpucert::cli

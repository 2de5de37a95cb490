#include "image_worker.hpp"

#include <cstdlib>

#include "coordinator/environment_setup.hpp"
#include "core/compat.hpp"
#include "runtime/worker_builds.hpp"

namespace gpucert::cli {

Outcome<std::string> image_worker(const runtime::EnvironmentChoice& image, const std::string& own, std::string& note) {
  std::string facts_note;
  const auto facts = coordinator::inspect_image(image, runtime::RuntimeOptions{}, facts_note);
  const auto cuda = facts ? facts->env.find("CUDA_VERSION") : decltype(facts->env.end()){};
  if (!facts || cuda == facts->env.end()) {
    note = "the image's CUDA_VERSION is unknown (" + (facts ? std::string("not set") : facts_note) +
           "): gpucert's own worker";
    return own;
  }
  const char* named = std::getenv("GPUCERT_WORKERS");
  auto builds = runtime::find_worker_builds(own, GPUCERT_CUDA_BUILD_VERSION, named ? named : "");
  if (!builds) return builds.error();
  if (const auto* build = runtime::worker_for_cuda(*builds, cuda->second)) {
    note =
        "CUDA_VERSION=" + cuda->second + ": the CUDA " + std::to_string(build->cuda_major) + " worker " + build->path;
    return build->path;
  }
  if (auto fits = check_worker_fits_image(GPUCERT_CUDA_BUILD_VERSION, cuda->second, image.image); !fits)
    return GPUCERT_ERROR(fits.error().message +
                         " (workers of this gpucert: " + runtime::describe_worker_builds(*builds) + ")");
  return own;
}

}  // namespace gpucert::cli

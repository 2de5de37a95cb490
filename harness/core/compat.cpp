#include "compat.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <optional>
#include <vector>

#include "probe_report.hpp"

namespace gpucert {
namespace {

std::optional<std::vector<long>> release_fields(std::string_view release) {
  std::vector<long> fields;
  while (!release.empty()) {
    long value = 0;
    const auto [end, ec] = std::from_chars(release.data(), release.data() + release.size(), value);
    if (ec != std::errc{} || value < 0) return std::nullopt;
    fields.push_back(value);
    release.remove_prefix(static_cast<std::size_t>(end - release.data()));
    if (release.empty()) break;
    if (release.front() != '.' || release.size() == 1) return std::nullopt;
    release.remove_prefix(1);
  }
  if (fields.empty()) return std::nullopt;
  return fields;
}

}  // namespace

std::string minimum_driver_for_cuda_major(int cuda_major) {
  switch (cuda_major) {
    case 13: return "580";
    case 12: return "525.60.13";
    case 11: return "450.80.02";
    default: return {};
  }
}

int compare_driver_releases(std::string_view a, std::string_view b) {
  const auto x = release_fields(a), y = release_fields(b);
  if (!x || !y) return (x ? 1 : 0) - (y ? 1 : 0);
  for (std::size_t i = 0; i < std::max(x->size(), y->size()); ++i) {
    const long p = i < x->size() ? (*x)[i] : 0, q = i < y->size() ? (*y)[i] : 0;
    if (p != q) return p < q ? -1 : 1;
  }
  return 0;
}

bool minor_version_compatible(std::string_view release, int runtime_version) {
  const auto minimum = minimum_driver_for_cuda_major(runtime_version / 1000);
  return !minimum.empty() && release_fields(release) && compare_driver_releases(release, minimum) >= 0;
}

Status check_worker_fits_image(int worker_build_version, const std::string& image_cuda_version,
                               const std::string& image) {
  if (image_cuda_version.empty() || worker_build_version <= 0) return ok_status();
  const auto dot = image_cuda_version.find('.');
  int image_major = 0;
  try {
    image_major = std::stoi(image_cuda_version.substr(0, dot));
  } catch (const std::exception&) {
    return GPUCERT_ERROR(image + " declares CUDA_VERSION=" + image_cuda_version + ", which is not a CUDA version");
  }
  const int worker_major = worker_build_version / 1000;
  if (image_major == worker_major) return ok_status();
  return GPUCERT_ERROR("the worker was built with CUDA " + format_cuda_version(worker_build_version) +
                       " and links libcudart.so." + std::to_string(worker_major) + ", so it cannot run in " + image +
                       ", a CUDA " + image_cuda_version + " image: build gpucert with CUDA " +
                       std::to_string(image_major) + " (GPUCERT_BUILD_DIR=build-cuda" + std::to_string(image_major) +
                       " scripts/build with that toolkit) and run that build's gpucert for this image");
}

}  // namespace gpucert

#include "compat.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <optional>
#include <utility>
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
    case 13:
      return "580";
    case 12:
      return "525.60.13";
    case 11:
      return "450.80.02";
    default:
      return {};
  }
}

std::string minimum_driver_for_cuda_release(int cuda_version) {
  // Linux x86_64, each release's GA driver (NVIDIA's CUDA Toolkit release notes, table 3).
  static const std::pair<int, const char*> table[] = {
      {13000, "580.65.06"}, {12090, "575.51.03"}, {12080, "570.26"},    {12060, "560.28.03"}, {12050, "555.42.02"},
      {12040, "550.54.14"}, {12030, "545.23.06"}, {12020, "535.54.03"}, {12010, "530.30.02"}, {12000, "525.60.13"},
      {11080, "520.61.05"}, {11070, "515.43.04"}, {11060, "510.39.01"}, {11050, "495.29.05"}, {11040, "470.42.01"},
      {11030, "465.19.01"}, {11020, "460.27.03"}, {11010, "455.23.05"}, {11000, "450.36.06"}};
  const int release = cuda_version / 10 * 10;  // 12090: patch releases share their minor's driver
  for (const auto& [version, driver] : table)
    if (version == release) return driver;
  return {};
}

std::string driver_compatibility_note(const std::string& driver_release, int runtime_version,
                                      const std::string& libcuda_path) {
  std::string note;
  if (libcuda_path.find("/compat/") != std::string::npos)
    note += "; libcuda.so.1 came from " + libcuda_path +
            ", a forward-compatibility package: it serves a newer CUDA than the kernel driver on data-centre GPUs "
            "only, and only while it matches the kernel module's branch";
  const auto full = minimum_driver_for_cuda_release(runtime_version);
  if (full.empty() || driver_release.empty() || !release_fields(driver_release)) return note;
  if (compare_driver_releases(driver_release, full) >= 0) return note;  // full compatibility: nothing to add
  const auto minimum = minimum_driver_for_cuda_major(runtime_version / 1000);
  if (!minimum.empty() && compare_driver_releases(driver_release, minimum) >= 0)
    note += "; below " + full + " (CUDA " + format_cuda_version(runtime_version) +
            "'s driver), so only minor-version compatibility applies: PTX of this CUDA does not JIT on this driver "
            "and features that need the newer driver report cudaErrorCallRequiresNewerDriver";
  return note;
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
  return GPUCERT_ERROR(
      "the worker was built with CUDA " + format_cuda_version(worker_build_version) + " and links libcudart.so." +
      std::to_string(worker_major) + ", so it cannot run in " + image + ", a CUDA " + image_cuda_version +
      " image: build a CUDA " + std::to_string(image_major) + " worker beside it (scripts/setup --cuda " +
      std::to_string(image_major) + ", then GPUCERT_CUDA=" + std::to_string(image_major) +
      " scripts/build: docs/CUDA_VERSIONS.md), or name one in GPUCERT_WORKERS=" + std::to_string(image_major) +
      "=PATH");
}

}  // namespace gpucert

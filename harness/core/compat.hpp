// Which driver each CUDA release needs. Sources: NVIDIA's CUDA Toolkit release notes, table "CUDA Toolkit
// and Minimum Required Driver Version for CUDA Minor Version Compatibility" (Linux x86_64).
#pragma once

#include <string>
#include <string_view>

#include "error.hpp"

namespace gpucert {

// The oldest Linux driver branch that runs any CUDA release of this major version through minor-version
// compatibility ("580" for 13.x, "525.60.13" for 12.x, "450.80.02" for 11.x); empty when unknown.
std::string minimum_driver_for_cuda_major(int cuda_major);

// The oldest Linux driver that runs CUDA `cuda_version` (12090 for 12.9) with full compatibility, from NVIDIA's
// table "CUDA Toolkit and Corresponding Driver Versions" (the release's GA driver): "575.51.03" for 12.9,
// "520.61.05" for 11.8; empty for a release not in the table. Older drivers of the same major may still run it
// through minor-version compatibility (minimum_driver_for_cuda_major), without what needs the newer driver.
std::string minimum_driver_for_cuda_release(int cuda_version);

// What driver-runtime-alignment adds about one probe, "" when nothing: a driver below the release's
// full-compatibility one (then only minor-version compatibility, with its limits), and a libcuda.so.1 loaded from
// a forward-compatibility package (a `compat` folder, as NVIDIA's cuda-compat installs it).
std::string driver_compatibility_note(const std::string& driver_release, int runtime_version,
                                      const std::string& libcuda_path);

// Orders driver releases ("580.95.05", "525.60.13", "580") field by field as numbers, so "580.159.04" is
// newer than "580.95.05". A missing field counts as 0. Returns <0, 0 or >0; an unparsable release compares
// as older than anything.
int compare_driver_releases(std::string_view a, std::string_view b);

// The driver `release` can run a runtime of `runtime_version` (13000 for 13.0) through minor-version
// compatibility: a known minimum for that major exists and `release` is at least it.
bool minor_version_compatible(std::string_view release, int runtime_version);

// A worker built with CUDA `worker_build_version` (13000) links that major's cudart, so it runs only in an
// image of the same CUDA major: checked against the image's CUDA_VERSION ("13.0.2", "12.9"), with the
// reason and what to do when it does not fit. An image that declares no CUDA_VERSION is not refused here
// (its library-inventory and image-hygiene checks say what it lacks).
Status check_worker_fits_image(int worker_build_version, const std::string& image_cuda_version,
                               const std::string& image);

}  // namespace gpucert

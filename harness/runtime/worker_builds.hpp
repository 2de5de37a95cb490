// The gpucert-worker builds this gpucert can put into images, one per CUDA major: its own (built beside it),
// the builds for further toolkits (GPUCERT_CUDA_TOOLKITS: <build>/cuda<major>/bin/gpucert-worker, found from
// the own worker's folder), and any named in GPUCERT_WORKERS ("12=/opt/gpucert-cu12/bin/gpucert-worker,...").
// A worker links one major's libcudart, so an image gets the worker of its CUDA_VERSION's major
// (docs/CUDA_VERSIONS.md). Nothing is started here.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"

namespace gpucert::runtime {

struct WorkerBuild {
  int cuda_major = 0;
  int cuda_version = 0;  // 13000; 0 where only the major is known (a cuda<major> folder, GPUCERT_WORKERS)
  std::string path;      // the gpucert-worker binary; its plugins beside it
};

// `own` first (built with `own_cuda_version`), then <own's prefix>/cuda<major>/bin/gpucert-worker for every such
// folder, then the entries of `workers_variable` (GPUCERT_WORKERS' text), which replace a found one of the same
// major. A malformed entry, or one naming no file, is an error that names it.
Outcome<std::vector<WorkerBuild>> find_worker_builds(const std::string& own, int own_cuda_version,
                                                     const std::string& workers_variable);

// The build of `image_cuda_version`'s major ("12.9.1" -> 12), or nullptr when there is none or the version is not
// one ("", "latest").
const WorkerBuild* worker_for_cuda(const std::vector<WorkerBuild>& builds, const std::string& image_cuda_version);

// "13 (build/bin/gpucert-worker), 12 (build/cuda12/bin/gpucert-worker)": for messages.
std::string describe_worker_builds(const std::vector<WorkerBuild>& builds);

}  // namespace gpucert::runtime

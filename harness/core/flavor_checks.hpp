// The conformance checks of container environments (docs/ARCHITECTURE.md, "Conformance"): what each image
// flavour holds, how fast it runs next to native, whether the devel flavour's compiler works, and the image's
// own hygiene. Pure functions of the run record and the flavour catalogue, like conformance.hpp's native
// checks; gpu-visible and driver-runtime-alignment cover container environments there.
#pragma once

#include <string>
#include <vector>

#include "check.hpp"
#include "flavors.hpp"
#include "run_record.hpp"
#include "suite.hpp"

namespace gpucert {

// What the container checks need beside the record.
struct ConformanceContext {
  const FlavorCatalog* flavors = nullptr;  // null: the embedded catalogue (images/flavors.json)
  std::string host_architecture;           // "amd64" or "x86_64"; empty: the native ranks' probe, else this build's
  double parity_threshold = kDefaultParityThreshold;  // the suite's parity_threshold, when it sets one
};

// One per rank of each container environment that is a flavour: every library the flavour must load loaded
// (evidence: path and version), every one it must not hold absent (a failure names the file and the flavour
// that may hold it), the flavour's tools present, and cudart's version the image's declared CUDA_VERSION
// (major.minor). A library that fails to load is quoted with the loader's message, which names the missing
// file (often a dependency). Waived where the flavour is unknown or the probe has no inventory.
std::vector<Check> library_inventory_checks(const RunRecord& run, const FlavorCatalog& flavors);

// One per container environment and workload that ran there: the container/native ratio (parity.hpp) with
// its bootstrap 95% interval. Fails only when the whole interval lies below `threshold`; waived when no
// native twin (same measurement, same rank, verified) or no verified container result exists.
std::vector<Check> performance_parity_checks(const RunRecord& run, double threshold = kDefaultParityThreshold);

// One per container environment that is a flavour: for a flavour that promises nvcc, the worker's
// devel_check reply shows the program compiled, ran and produced the expected value; waived for flavours
// without a compiler and where the check was not run.
std::vector<Check> devel_compiles_checks(const RunRecord& run, const FlavorCatalog& flavors);

// One per container environment: the reference is pinned (no `latest`, no missing tag), the image declares
// CUDA_VERSION, NVIDIA_REQUIRE_CUDA and NVIDIA_DRIVER_CAPABILITIES (and whatever else the catalogue requires),
// its size is within the flavour's budget and its architecture is the host's. Waived, saying so, when the
// image facts are unknown (a bad tag still fails: the reference alone shows it).
std::vector<Check> image_hygiene_checks(const RunRecord& run, const FlavorCatalog& flavors,
                                        const std::string& host_architecture);

// The host's architecture in OCI terms: the native ranks' probe (uname), else this build's.
std::string host_architecture_of(const RunRecord& run);

}  // namespace gpucert

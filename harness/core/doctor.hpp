// The doctor: from what a probe saw, say why CUDA is not available, and what fixes it. Each cause is a
// rule over plain facts, so each is tested on a machine without a GPU by constructing the facts.
#pragma once

#include <string>
#include <vector>

#include "probe_report.hpp"

namespace gpucert {

struct Diagnosis {
  std::string cause;        // stable id: "libcuda-missing", "driver-too-old", ...
  std::string summary;      // one line
  std::string explanation;  // why this stops CUDA, with the evidence
  std::string fix;          // the command or change that fixes it
};

// Empty when CUDA is usable and nothing looks wrong. Most likely cause first. The CUDA causes are given only
// when CUDA is not usable; the PyTorch causes (report.python_torch) also when it is, since a framework can
// fail where the worker's CUDA works:
//   nvidia-visible-devices-void, driver-capabilities-without-compute, libcuda-missing, libcuda-unloadable,
//   libcuda-dependency-missing, libcuda-stub, no-device-nodes, driver-too-old, cuda-visible-devices-hides-all,
//   cuda-error, no-device; torch-import-failed, torch-cuda-newer-than-driver, torch-cuda-differs-from-image,
//   torch-cpu-only, torch-cuda-unavailable.
std::vector<Diagnosis> diagnose(const ProbeReport& report);

// When the worker could not even start or answer in an environment (`message`: the error, with the
// worker's last words on stderr): "worker-library-missing" when the loader names a library the image lacks
// (a root filesystem without libdl.so.2 stops a worker linked against the shared cudart before CUDA is
// asked), else "worker-did-not-start".
std::vector<Diagnosis> diagnose_start_failure(const std::string& message);

// Among the diagnoses, one that says the environment's PyTorch cannot use the GPU (not merely a mismatch
// that still works): `gpucert doctor` then exits 3 even where the worker's CUDA works.
bool framework_cannot_use_gpu(const std::vector<Diagnosis>& diagnoses);

}  // namespace gpucert

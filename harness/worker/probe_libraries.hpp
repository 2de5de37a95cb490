// The worker's library inventory: every library of the flavour catalogue (core/flavors.hpp) for the CUDA
// major it was built against, loaded and closed again; the devel tools; the machine. Fast (a few dlopen
// calls and stat()s), so every probe takes it.
#pragma once

#include <string>
#include <vector>

#include "core/probe_report.hpp"

namespace gpucert::worker {

// dlopen(RTLD_LAZY | RTLD_LOCAL) of each soname, recording where the loader found it and the library's
// version where a cheap version call exists, or the loader's own message; dlclose afterwards. The embedded
// catalogue's sonames for `cuda_major`, or this worker's own table when the catalogue has none.
std::vector<LibraryProbe> probe_libraries(int cuda_major);

// Every tool a flavour of the embedded catalogue names (nvcc, cuda_runtime.h, libcudart_static.a, ...), each
// found at its path; nvcc on PATH or in /usr/local/cuda/bin, as the devel check looks for it.
std::vector<ToolProbe> probe_tools();

// The nvcc the devel check uses: the first on PATH, else /usr/local/cuda/bin/nvcc; empty when neither.
std::string find_nvcc();

// uname's machine: "x86_64", "aarch64".
std::string machine_name();

}  // namespace gpucert::worker

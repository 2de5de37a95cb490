// The devel flavour's check, run by the worker on request: write a small CUDA program into a fresh temporary
// folder, compile it with the environment's nvcc, run it, and report what each step did.
#pragma once

#include "core/devel_check.hpp"

namespace gpucert::worker {

// Never throws. Every step is bounded by one deadline of `timeout_s` seconds in all; a step past it is
// killed with its whole process group (nvcc's cicc and ptxas included). The temporary folder is removed.
DevelCheckReply run_devel_check(int timeout_s);

}  // namespace gpucert::worker

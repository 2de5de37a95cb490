// The environment's PyTorch, as the worker's probe sees it: `python3 -c` with a fixed script (nothing from
// outside goes into it), in its own process group, killed at a deadline, so a hanging import never hangs
// the probe.
#pragma once

#include <optional>

#include "core/probe_report.hpp"

namespace gpucert::worker {

// Empty when GPUCERT_PROBE_PYTHON=0 or no python3 is on PATH. The deadline is 20 s, or
// GPUCERT_PROBE_PYTHON_TIMEOUT_S (1 to 300). Never throws: every failure becomes PythonTorchProbe::error.
std::optional<PythonTorchProbe> probe_python_torch();

}  // namespace gpucert::worker

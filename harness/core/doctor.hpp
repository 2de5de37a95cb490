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

// Empty when CUDA is usable and nothing looks wrong. Most likely cause first.
std::vector<Diagnosis> diagnose(const ProbeReport& report);

}  // namespace gpucert

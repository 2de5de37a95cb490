// What every report says first about a run: its verdict word and where it ran, one text per fact.
#pragma once

#include <string>

#include "core/run_record.hpp"

namespace gpucert::reports {

struct RunFacts {
  std::string hosts;     // "node-a, node-b"
  std::string drivers;   // "580.159.04 (CUDA 13.0)"
  std::string runtimes;  // "13.0"; each "unknown" when no rank said
};

RunFacts run_facts(const RunRecord& run);

// "PASSED", "FAILED" or "NOT RUN" for an exit code.
const char* verdict_word(int exit_code);

}  // namespace gpucert::reports

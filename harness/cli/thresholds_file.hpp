// Where `--thresholds FILE` comes from: the file when given, else the floors compiled into gpucert
// (suites/thresholds.json of its source tree).
#pragma once

#include <string>

#include "core/error.hpp"
#include "core/run_record.hpp"
#include "core/thresholds.hpp"

namespace gpucert::cli {

Outcome<Thresholds> load_thresholds(const std::string& path);

// The floors to judge a recorded run by: `path` when given (and then the run's verdict_inputs say so), else the
// floors the run recorded, else the built-in ones.
Outcome<Thresholds> thresholds_for_run(RunRecord& run, const std::string& path);

}  // namespace gpucert::cli

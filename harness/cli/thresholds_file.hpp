// Where `--thresholds FILE` comes from: the file when given, else the floors compiled into gpucert
// (suites/thresholds.json of its source tree).
#pragma once

#include <string>

#include "core/error.hpp"
#include "core/thresholds.hpp"

namespace gpucert::cli {

Outcome<Thresholds> load_thresholds(const std::string& path);

}  // namespace gpucert::cli

// Where `--suite NAME|FILE` comes from: a path is read as a file; a bare name is looked up in the suite
// folders (GPUCERT_SUITES_DIR, the installed share/gpucert/suites, the source tree), and `quick` is also
// compiled into the binary so that gpucert runs with nothing beside it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace gpucert::cli {

// A suite file is a few KiB; anything beyond this is refused before it is read whole.
inline constexpr std::size_t kMaxSuiteBytes = 4u << 20;

struct SuiteText {
  std::string text;
  std::string source;  // "embedded:quick" or the file's path
};

Outcome<SuiteText> read_suite(const std::string& name_or_path);
std::vector<std::filesystem::path> suite_folders();

}  // namespace gpucert::cli

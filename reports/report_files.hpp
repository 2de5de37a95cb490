// Writing a run's reports into its output folder, each file written whole to a temporary name and renamed,
// so a reader (or a crash) never sees half a report.
#pragma once

#include <filesystem>

#include "core/error.hpp"
#include "core/run_record.hpp"

namespace gpucert::reports {

// Writes report.json and report.md into `dir`.
Status write_reports(const RunRecord& run, const std::filesystem::path& dir);

// Writes `text` to `path` through a temporary file, flushed to disk before the rename.
Status write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace gpucert::reports

// Writing a run's reports into its output folder, each file written whole to a temporary name and renamed,
// so a reader (or a crash) never sees half a report.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/run_record.hpp"

namespace gpucert::reports {

// Writes report.json, report.md, junit.xml and report.html into `dir`; the checks they show are the ones
// the record holds (RunRecord::checks).
Status write_reports(const RunRecord& run, const std::filesystem::path& dir);

// `j` as text with a final newline. Bytes that are not UTF-8 (a message in another encoding) become U+FFFD
// instead of an exception that would lose the whole report.
std::string json_text(const nlohmann::json& j, int indent = -1);

// Writes `text` to `path` through a temporary file, flushed to disk before the rename.
Status write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace gpucert::reports

// results.jsonl: every result appended and flushed to disk the moment it arrives, so a crash, a kill or a
// lost node loses nothing that was measured.
#pragma once

#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace gpucert::coordinator {

class ResultsLog {
 public:
  // Opens for appending (created when absent, never truncated). A file whose last line was cut short, as a
  // crash mid-write leaves it, first gets the newline that line lacks.
  static Outcome<ResultsLog> create(const std::filesystem::path& path);
  ResultsLog(ResultsLog&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
  ResultsLog(const ResultsLog&) = delete;
  ~ResultsLog();
  // Appends one line (a JSON object without newlines) and fsyncs.
  Status append(const std::string& json_line);

 private:
  ResultsLog(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  Status write_all(const std::string& text);  // and fsyncs
  int fd_ = -1;
  std::filesystem::path path_;
};

}  // namespace gpucert::coordinator

// A report file written whole or not at all: its bytes go to PATH.tmp, which is flushed to disk and renamed over
// PATH by commit(). A reader, or a crash, never sees half a report, and a file given up (an error, an exception,
// a full disk: docs/RELIABILITY.md) leaves nothing behind. Large reports are written in pieces through it, so
// that a cluster's file is never one string in memory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gpucert::reports {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Appends bytes. After the first failure every call fails, and so does commit(), with that failure.
  Status write(std::string_view bytes);
  // Flushes to disk and renames over the path; the file is then done.
  Status commit();

 private:
  Status fail(const std::string& what, int error);
  std::filesystem::path path_;
  std::string temporary_;
  int fd_ = -1;
  bool committed_ = false;
  std::optional<Error> failure_;
};

}  // namespace gpucert::reports

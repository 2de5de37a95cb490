#include "results_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gpucert::coordinator {

Outcome<ResultsLog> ResultsLog::create(const std::filesystem::path& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return GPUCERT_ERROR("cannot open " + path.string() + ": " + std::strerror(errno));
  ResultsLog log(fd, path);
  // A crash mid-write leaves a last line cut short; what comes next starts on a line of its own, so that it is
  // not glued to that fragment (readers skip the fragment, run_folder.hpp).
  const off_t size = lseek(fd, 0, SEEK_END);
  if (size < 0) return GPUCERT_ERROR("cannot seek in " + path.string() + ": " + std::strerror(errno));
  if (size > 0) {
    const int reader = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    char last = '\n';
    const bool read_ok = reader >= 0 && pread(reader, &last, 1, size - 1) == 1;
    if (reader >= 0) close(reader);
    if (!read_ok) return GPUCERT_ERROR("cannot read the end of " + path.string() + ": " + std::strerror(errno));
    if (last != '\n')
      if (auto s = log.write_all("\n"); !s) return s.error();
  }
  return log;
}

ResultsLog::~ResultsLog() {
  if (fd_ >= 0) close(fd_);
}

Status ResultsLog::append(const std::string& json_line) { return write_all(json_line + "\n"); }

Status ResultsLog::write_all(const std::string& line) {
  // A write that fails half way (a full disk) is undone, so that the file holds whole lines only.
  const off_t before = lseek(fd_, 0, SEEK_END);
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      if (done > 0 && before >= 0) {
        const int undone = ftruncate(fd_, before);
        (void)undone;  // should that fail too, the line stays cut short: readers skip it and say so
      }
      return GPUCERT_ERROR("cannot append to " + path_.string() + ": " + std::strerror(saved));
    }
    done += static_cast<std::size_t>(n);
  }
  if (fdatasync(fd_) != 0) return GPUCERT_ERROR("cannot flush " + path_.string() + ": " + std::strerror(errno));
  return ok_status();
}

}  // namespace gpucert::coordinator

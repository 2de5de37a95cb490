#include "results_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gpucert::coordinator {

Outcome<ResultsLog> ResultsLog::create(const std::filesystem::path& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return GPUCERT_ERROR("cannot open " + path.string() + ": " + std::strerror(errno));
  return ResultsLog(fd, path);
}

ResultsLog::~ResultsLog() {
  if (fd_ >= 0) close(fd_);
}

Status ResultsLog::append(const std::string& json_line) {
  const std::string line = json_line + "\n";
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return GPUCERT_ERROR("cannot append to " + path_.string() + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  if (fdatasync(fd_) != 0) return GPUCERT_ERROR("cannot flush " + path_.string() + ": " + std::strerror(errno));
  return ok_status();
}

}  // namespace gpucert::coordinator

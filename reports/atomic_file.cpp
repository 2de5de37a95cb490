#include "atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gpucert::reports {

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)), temporary_(path_.string() + ".tmp") {
  fd_ = open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) failure_ = GPUCERT_ERROR("cannot write " + temporary_ + ": " + std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) close(fd_);
  if (!committed_) unlink(temporary_.c_str());
}

Status AtomicFile::fail(const std::string& what, int error) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  unlink(temporary_.c_str());
  failure_ = GPUCERT_ERROR(what + ": " + std::strerror(error));
  return *failure_;
}

Status AtomicFile::write(std::string_view bytes) {
  if (failure_) return *failure_;
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write " + path_.string(), errno);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return ok_status();
}

Status AtomicFile::commit() {
  if (failure_) return *failure_;
  if (fsync(fd_) != 0) return fail("cannot write " + path_.string(), errno);
  const int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) return fail("cannot write " + path_.string(), errno);
  std::error_code ec;
  std::filesystem::rename(temporary_, path_, ec);
  if (ec) {
    unlink(temporary_.c_str());
    failure_ = GPUCERT_ERROR("cannot rename " + temporary_ + " to " + path_.string() + ": " + ec.message());
    return *failure_;
  }
  committed_ = true;
  return ok_status();
}

}  // namespace gpucert::reports

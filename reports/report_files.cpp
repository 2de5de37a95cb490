#include "report_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "html_report.hpp"
#include "junit_report.hpp"
#include "markdown_report.hpp"

namespace gpucert::reports {

Status write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  const auto temporary = path.string() + ".tmp";
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return GPUCERT_ERROR("cannot write " + temporary + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      close(fd);
      unlink(temporary.c_str());  // a failed write leaves nothing behind (a full disk: docs/RELIABILITY.md)
      return GPUCERT_ERROR("cannot write " + path.string() + ": " + std::strerror(saved));
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = fsync(fd) == 0;
  const int sync_errno = errno;
  const bool closed = close(fd) == 0;
  const int close_errno = errno;
  if (!closed || !synced) {
    unlink(temporary.c_str());
    return GPUCERT_ERROR("cannot write " + path.string() + ": " + std::strerror(synced ? close_errno : sync_errno));
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    unlink(temporary.c_str());
    return GPUCERT_ERROR("cannot rename " + temporary + " to " + path.string() + ": " + ec.message());
  }
  return ok_status();
}

std::string json_text(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Status write_reports(const RunRecord& run, const std::filesystem::path& dir) {
  if (auto s = write_file_atomically(dir / "report.json", json_text(to_json(run), 2)); !s) return s;
  if (auto s = write_file_atomically(dir / "report.md", render_markdown(run)); !s) return s;
  if (auto s = write_file_atomically(dir / "junit.xml", render_junit(run)); !s) return s;
  return write_file_atomically(dir / "report.html", render_html(run));
}

}  // namespace gpucert::reports

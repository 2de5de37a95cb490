#include "report_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <future>

#include "cluster_sections.hpp"
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

namespace {

// report.json, its results streamed one compact line each into the head's empty array, through a temporary
// file flushed to disk before the rename: a cluster's record is never one tree, nor one string, in memory.
Status write_report_json(const RunRecord& run, const std::filesystem::path& path) {
  constexpr std::string_view kPlaceholder = "\"@gpucert-results@\"";
  auto head = report_head_json(run);
  head["results"] = std::string(kPlaceholder.substr(1, kPlaceholder.size() - 2));
  const auto text = json_text(head, 2);
  const auto at = text.find(kPlaceholder);
  if (at == std::string::npos) return GPUCERT_ERROR("report.json: the results placeholder is missing");
  const auto temporary = path.string() + ".tmp";
  std::FILE* file = std::fopen(temporary.c_str(), "wbe");
  if (!file) return GPUCERT_ERROR("cannot write " + temporary + ": " + std::strerror(errno));
  bool good = std::fwrite(text.data(), 1, at, file) == at;
  // Serialising the records is most of the work: blocks of them, each block's two halves on two threads, written
  // in order. Memory stays at two blocks of text whatever the run's size.
  const auto lines = [&run](std::size_t begin, std::size_t end) {
    std::string out;
    for (std::size_t i = begin; i < end; ++i) {
      out += i ? ",\n    " : "[\n    ";
      out += to_json(run.results[i]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return out;
  };
  constexpr std::size_t kBlock = 8192;
  for (std::size_t begin = 0; good && begin < run.results.size(); begin += kBlock) {
    const auto end = std::min(begin + kBlock, run.results.size()), middle = begin + (end - begin) / 2;
    auto second = std::async(std::launch::async, lines, middle, end);
    const auto first = lines(begin, middle);
    const auto rest = second.get();
    good = std::fwrite(first.data(), 1, first.size(), file) == first.size() &&
           std::fwrite(rest.data(), 1, rest.size(), file) == rest.size();
  }
  const std::string close = run.results.empty() ? "[]" : "\n  ]";
  const auto rest = std::string_view(text).substr(at + kPlaceholder.size());
  good = good && std::fwrite(close.data(), 1, close.size(), file) == close.size() &&
         std::fwrite(rest.data(), 1, rest.size(), file) == rest.size() && std::fflush(file) == 0 &&
         fsync(fileno(file)) == 0;
  const int saved = errno;
  if (std::fclose(file) != 0 || !good)
    return GPUCERT_ERROR("cannot write " + temporary + ": " + std::strerror(good ? errno : saved));
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) return GPUCERT_ERROR("cannot rename " + temporary + " to " + path.string() + ": " + ec.message());
  return ok_status();
}

}  // namespace

Status write_reports(const RunRecord& run, const std::filesystem::path& dir) {
  // report.json is about as much work as the other four together (a cluster's run: 370,000 results), and
  // each renderer only reads the record: two threads, each file still written whole or not at all.
  auto json = std::async(std::launch::async, [&] { return write_report_json(run, dir / "report.json"); });
  Status rest = write_file_atomically(dir / "report.md", render_markdown(run));
  if (rest) rest = write_file_atomically(dir / "junit.xml", render_junit(run));
  if (rest) rest = write_node_verdicts(run, dir);
  if (rest) rest = write_file_atomically(dir / "report.html", render_html(run));
  if (auto s = json.get(); !s) return s;
  return rest;
}

}  // namespace gpucert::reports

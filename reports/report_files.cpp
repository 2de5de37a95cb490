#include "report_files.hpp"

#include <algorithm>
#include <future>
#include <string_view>

#include "atomic_file.hpp"
#include "cluster_sections.hpp"
#include "core/result_line.hpp"
#include "html_report.hpp"
#include "junit_report.hpp"
#include "markdown_report.hpp"

namespace gpucert::reports {

Status write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  AtomicFile file(path);
  if (auto s = file.write(text); !s) return s;
  return file.commit();
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
  AtomicFile file(path);
  auto written = file.write(std::string_view(text).substr(0, at));
  // Serialising the records is most of the work: blocks of them, each block's two halves on two threads, written
  // in order. Memory stays at two blocks of text whatever the run's size.
  const auto lines = [&run](std::size_t begin, std::size_t end) {
    std::string out;
    for (std::size_t i = begin; i < end; ++i) {
      out += i ? ",\n    " : "[\n    ";
      append_result_line(out, run.results[i]);
    }
    return out;
  };
  constexpr std::size_t kBlock = 8192;
  for (std::size_t begin = 0; written && begin < run.results.size(); begin += kBlock) {
    const auto end = std::min(begin + kBlock, run.results.size()), middle = begin + (end - begin) / 2;
    auto second = std::async(std::launch::async, lines, middle, end);
    const auto first = lines(begin, middle);
    const auto rest = second.get();
    written = file.write(first);
    if (written) written = file.write(rest);
  }
  if (written) written = file.write(run.results.empty() ? "[]" : "\n  ]");
  if (written) written = file.write(std::string_view(text).substr(at + kPlaceholder.size()));
  if (!written) return written;
  return file.commit();
}

Status write_junit(const RunRecord& run, const std::filesystem::path& path) {
  AtomicFile file(path);
  Status written = ok_status();
  render_junit(run, [&](std::string_view piece) { return (written = file.write(piece)).ok(); });
  if (!written) return written;
  return file.commit();
}

}  // namespace

Status write_reports(const RunRecord& run, const std::filesystem::path& dir) {
  // report.json is about as much work as the other four together (a cluster's run: 370,000 results), and
  // each renderer only reads the record: two threads, each file still written whole or not at all.
  auto json = std::async(std::launch::async, [&] { return write_report_json(run, dir / "report.json"); });
  Status rest = write_file_atomically(dir / "report.md", render_markdown(run));
  if (rest) rest = write_junit(run, dir / "junit.xml");
  if (rest) rest = write_node_verdicts(run, dir);
  if (rest) rest = write_file_atomically(dir / "report.html", render_html(run));
  if (auto s = json.get(); !s) return s;
  return rest;
}

}  // namespace gpucert::reports

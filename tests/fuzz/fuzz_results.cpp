// libFuzzer: any bytes as an output folder's results.jsonl (beside a fixed run.json and ranks.json), read as
// `gpucert report` and `gpucert run --resume` read it, then rendered into every report. Each line also goes
// through both record readers: a line the fast one (core/result_line.hpp) reads must read the same through
// result_from_json, and every record written back by append_result_line must be what nlohmann writes.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/conformance.hpp"
#include "core/result_line.hpp"
#include "reports/html_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/run_folder.hpp"

namespace {

const std::filesystem::path& folder() {
  static const auto dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("gpucert-fuzz-results-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    std::ofstream(d / "ranks.json") << R"([{"rank":0,"local_rank":0,"host":"h","device":0,"device_name":"GPU X",
      "device_uuid":"GPU-0","usable":true,"problem":"","diagnoses":[],"probe":{"devices":[{"index":0,"name":"GPU X"}]}}])";
    std::ofstream(d / "run.json") << R"({"format":1,"run":"00000000000000aa","plan":["stream/copy/fp32/1MiB"],
      "suite":{"name":"fuzz","source":"fuzz.json","digest":"x"},"seed":1,"ranks":1,"rounds":5,"environments":[]})";
    return d;
  }();
  return dir;
}

void same_record_both_ways(std::string_view line) {
  const auto fast = gpucert::read_result_line(line);
  if (!fast) return;
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) __builtin_trap();  // read a line that is not JSON
  auto slow = gpucert::result_from_json(std::move(j));
  if (!slow) __builtin_trap();  // read a line result_from_json refuses
  const auto dump = [](const gpucert::ResultRecord& r) {
    return gpucert::to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string written;
  gpucert::append_result_line(written, *fast);
  if (dump(*fast) != dump(*slow) || written != dump(*fast)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::size_t start = 0; start <= text.size();) {
    const auto end = std::min(text.size(), text.find('\n', start));
    same_record_both_ways(text.substr(start, end - start));
    start = end + 1;
  }
  const auto& dir = folder();
  std::ofstream(dir / "results.jsonl", std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  auto read = gpucert::reports::read_run_folder(dir);
  if (!read.ok()) return 0;
  auto& run = read->run;
  run.checks = gpucert::conformance_checks(run, gpucert::embedded_thresholds());
  (void)gpucert::to_json(run).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  (void)gpucert::reports::render_markdown(run);
  (void)gpucert::reports::render_junit(run);
  (void)gpucert::reports::render_html(run);
  return 0;
}

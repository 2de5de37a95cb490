// libFuzzer: any bytes as an output folder's results.jsonl (beside a fixed run.json and ranks.json), read as
// `gpucert report` and `gpucert run --resume` read it, then rendered into every report.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/conformance.hpp"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
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

#include "thresholds_file.hpp"

#include <fstream>
#include <sstream>

namespace gpucert::cli {

Outcome<Thresholds> load_thresholds(const std::string& path) {
  if (path.empty()) return embedded_thresholds();
  std::ifstream in(path, std::ios::binary);
  if (!in) return GPUCERT_ERROR("cannot read the thresholds file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_thresholds(text.str(), path);
}

Outcome<Thresholds> thresholds_for_run(RunRecord& run, const std::string& path) {
  if (path.empty() && run.verdict_inputs) return thresholds_of(*run.verdict_inputs);
  auto thresholds = load_thresholds(path);
  if (!thresholds) return thresholds;
  // Judged by other floors than it recorded (or it recorded none): the reports say which.
  auto inputs = make_verdict_inputs(*thresholds, std::nullopt);
  if (run.verdict_inputs) {
    inputs.parity_threshold = run.verdict_inputs->parity_threshold;
    inputs.parity_threshold_source = run.verdict_inputs->parity_threshold_source;
  }
  run.verdict_inputs = std::move(inputs);
  return thresholds;
}

}  // namespace gpucert::cli

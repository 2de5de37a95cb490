// Performance floors per GPU model for acceptance runs (suites/thresholds.json): below its floor, a
// measurement fails the "performance-floor" check even though it verified. Keyed by the GPU's name as CUDA
// reports it, then by a measurement id or an id prefix of whole segments ("stream/triad/fp64" covers
// "stream/triad/fp64/2GiB"). Every floor names its source: a vendor diagnostic's default or a measurement.
//
//   {"$comment": "...",
//    "NVIDIA H100 80GB HBM3": {
//      "stream/triad/fp64": {"min_GBps": 1905, "source": "DCGM ..."},
//      "gemm/fp16/4096x4096x4096": {"min_TFLOPs": 636, "measured_TFLOPs": 749, "source": "gpucert, ..."}}}
//
// A GPU the table does not list gets floors derived from its hardware (derived_floors.hpp); so does a
// measurement the table has no key for. docs/HEALTH.md says how each floor was chosen.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "measurement.hpp"

namespace gpucert {

struct PerformanceFloor {
  std::string key;                    // measurement id or id prefix
  Metric metric = Metric::Bandwidth;  // min_GBps: bandwidth; min_TFLOPs: throughput
  double minimum = 0;                 // in the metric's unit
  std::optional<double> measured;     // the figure the floor was derived from, when it was measured
  std::optional<double> datasheet;    // the peak it is a fraction of: a datasheet's, or the hardware's (derived)
  std::string source;
  bool derived = false;  // derived from the hardware (derived_floors.hpp), not read from the table
};

struct Thresholds {
  std::string source;  // "embedded:thresholds" or the file's path
  // The document as read, so that a run records the floors it was judged by (verdict_inputs.hpp).
  nlohmann::json document = nlohmann::json::object();
  std::map<std::string, std::vector<PerformanceFloor>, std::less<>> gpus;

  [[nodiscard]] bool covers(std::string_view gpu_name) const { return gpus.find(gpu_name) != gpus.end(); }
  // The floor of the longest key that is `measurement_id` or a prefix of it ending at a '/'; null if none.
  [[nodiscard]] const PerformanceFloor* floor_for(std::string_view gpu_name, std::string_view measurement_id) const;
};

// Refuses, naming every problem, unknown fields, keys of unknown workloads, floors without a source and
// entries with no or two minimums.
Outcome<Thresholds> parse_thresholds(std::string_view text, const std::string& source);

// suites/thresholds.json as compiled into the binary.
const Thresholds& embedded_thresholds();

}  // namespace gpucert

#include "thresholds.hpp"

#include <nlohmann/json.hpp>

#include "json_fields.hpp"
#include "workloads/workload_spec.hpp"

namespace gpucert {
namespace embedded {
extern const std::string_view thresholds_text;  // generated from suites/thresholds.json at build time
}

namespace {

bool valid_key(const std::string& key) {
  if (key.empty() || key.front() == '/' || key.back() == '/' || key.find("//") != std::string::npos) return false;
  return find_workload(key.substr(0, key.find('/'))) != nullptr;
}

std::optional<double> positive_number(const nlohmann::json& entry, const char* field, const std::string& path,
                                      Problems& problems) {
  if (!entry.contains(field)) return std::nullopt;
  const auto& v = entry.at(field);
  if (!v.is_number() || v.get<double>() <= 0) {
    problems.add(path + "." + field, "expected a positive number, got " + v.dump());
    return std::nullopt;
  }
  return v.get<double>();
}

void read_floor(const std::string& gpu, const std::string& key, const nlohmann::json& entry, Problems& problems,
                std::vector<PerformanceFloor>& out) {
  const std::string path = "\"" + gpu + "\".\"" + key + "\"";
  if (!valid_key(key)) {
    problems.add(path,
                 "not a measurement id or id prefix of a known workload (one of " + join(workload_names(), ", ") + ")");
    return;
  }
  Fields fields(entry, path, problems);
  if (!fields.is_object()) return;
  fields.refuse_unknown(
      {"min_GBps", "min_TFLOPs", "measured_GBps", "measured_TFLOPs", "datasheet_GBps", "datasheet_TFLOPs", "source"});
  PerformanceFloor floor;
  floor.key = key;
  floor.source = fields.text("source", true).value_or("");
  const bool has_gbps = entry.contains("min_GBps");
  if (has_gbps == entry.contains("min_TFLOPs")) {
    problems.add(path, "needs exactly one of min_GBps (bandwidth) and min_TFLOPs (throughput)");
    return;
  }
  const auto minimum = positive_number(entry, has_gbps ? "min_GBps" : "min_TFLOPs", path, problems);
  if (!minimum) return;
  floor.metric = has_gbps ? Metric::Bandwidth : Metric::Throughput;
  floor.minimum = *minimum;
  const char* measured_field = has_gbps ? "measured_GBps" : "measured_TFLOPs";
  const char* other_field = has_gbps ? "measured_TFLOPs" : "measured_GBps";
  if (entry.contains(other_field)) problems.add(path + "." + other_field, "in another unit than the floor");
  floor.measured = positive_number(entry, measured_field, path, problems);
  if (floor.measured && *floor.measured < floor.minimum)
    problems.add(path, "the floor is above the figure it was derived from");
  const char* datasheet_field = has_gbps ? "datasheet_GBps" : "datasheet_TFLOPs";
  if (entry.contains(has_gbps ? "datasheet_TFLOPs" : "datasheet_GBps"))
    problems.add(path + "." + (has_gbps ? "datasheet_TFLOPs" : "datasheet_GBps"), "in another unit than the floor");
  floor.datasheet = positive_number(entry, datasheet_field, path, problems);
  if (floor.datasheet && *floor.datasheet < floor.minimum)
    problems.add(path, "the floor is above the datasheet's peak");
  if (!floor.source.empty()) out.push_back(std::move(floor));
}

}  // namespace

const PerformanceFloor* Thresholds::floor_for(std::string_view gpu_name, std::string_view measurement_id) const {
  const auto gpu = gpus.find(gpu_name);
  if (gpu == gpus.end()) return nullptr;
  const PerformanceFloor* best = nullptr;
  for (const auto& floor : gpu->second) {
    const bool matches = measurement_id == floor.key ||
                         (measurement_id.size() > floor.key.size() && measurement_id.starts_with(floor.key) &&
                          measurement_id[floor.key.size()] == '/');
    if (matches && (!best || floor.key.size() > best->key.size())) best = &floor;
  }
  return best;
}

Outcome<Thresholds> parse_thresholds(std::string_view text, const std::string& source) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
    return GPUCERT_ERROR(source + ": not valid JSON: " + json_error_text(e));
  }
  if (!doc.is_object()) return GPUCERT_ERROR(source + ": expected an object of GPU names, got " + json_type_name(doc));
  Problems problems;
  Thresholds thresholds;
  thresholds.source = source;
  thresholds.document = doc;
  for (const auto& [gpu, floors] : doc.items()) {
    if (gpu.starts_with("$")) continue;  // "$comment", "$schema": for people and editors
    if (!floors.is_object()) {
      problems.add("\"" + gpu + "\"", "expected an object of measurement ids, got " + json_type_name(floors));
      continue;
    }
    auto& out = thresholds.gpus[gpu];
    for (const auto& [key, entry] : floors.items()) read_floor(gpu, key, entry, problems, out);
  }
  if (!problems.empty()) {
    std::vector<std::string> lines;
    for (const auto& line : problems.lines()) lines.push_back(source + ": " + line);
    return GPUCERT_ERROR(join(lines, "\n"));
  }
  return thresholds;
}

const Thresholds& embedded_thresholds() {
  // The file is checked by a unit test, so a broken one never reaches a binary; should it anyway, no floors
  // apply rather than a crash.
  static const Thresholds parsed = [] {
    auto t = parse_thresholds(embedded::thresholds_text, "embedded:thresholds");
    return t ? std::move(*t) : Thresholds{"embedded:thresholds (unreadable)", nlohmann::json::object(), {}};
  }();
  return parsed;
}

}  // namespace gpucert

#include "verdict_inputs.hpp"

#include "suite.hpp"
#include "utf8.hpp"

namespace gpucert {

VerdictInputs make_verdict_inputs(const Thresholds& thresholds, std::optional<double> suite_parity_threshold) {
  VerdictInputs inputs;
  inputs.thresholds_source = thresholds.source;
  inputs.thresholds = thresholds.document;
  inputs.parity_threshold = suite_parity_threshold.value_or(kDefaultParityThreshold);
  inputs.parity_threshold_source = suite_parity_threshold ? "suite" : "default";
  return inputs;
}

nlohmann::json to_json(const VerdictInputs& inputs) {
  return {{"thresholds", {{"source", inputs.thresholds_source}, {"floors", inputs.thresholds}}},
          {"parity_threshold", inputs.parity_threshold},
          {"parity_threshold_source", inputs.parity_threshold_source}};
}

Outcome<VerdictInputs> verdict_inputs_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return GPUCERT_ERROR("verdict_inputs: expected an object");
  try {
    VerdictInputs inputs;
    const auto& t = j.at("thresholds");
    inputs.thresholds_source = t.at("source").get<std::string>();
    inputs.thresholds = t.at("floors");
    inputs.parity_threshold = j.at("parity_threshold").get<double>();
    inputs.parity_threshold_source = j.value("parity_threshold_source", std::string("default"));
    if (!(inputs.parity_threshold >= kMinParityThreshold && inputs.parity_threshold <= kMaxParityThreshold))
      return GPUCERT_ERROR("verdict_inputs: parity_threshold " + std::to_string(inputs.parity_threshold) +
                           " is outside [" + std::to_string(kMinParityThreshold) + ", " +
                           std::to_string(kMaxParityThreshold) + "]");
    return inputs;
  } catch (const nlohmann::json::exception& e) {
    return GPUCERT_ERROR(std::string("verdict_inputs: a field is missing or of the wrong type: ") + e.what());
  }
}

Outcome<Thresholds> thresholds_of(const VerdictInputs& inputs) {
  auto parsed = parse_thresholds(dump_json(inputs.thresholds), inputs.thresholds_source);
  if (!parsed) return GPUCERT_ERROR("the run's recorded floors: " + parsed.error().message);
  return parsed;
}

}  // namespace gpucert

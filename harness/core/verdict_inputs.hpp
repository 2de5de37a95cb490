// What a verdict was judged by: the performance floors (and where they came from) and the parity threshold
// (the suite's own, or the default). A run records them in run.json and report.json, so that `gpucert report`
// and `gpucert compare` judge it again by the same inputs, not by whatever is built in today.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "thresholds.hpp"

namespace gpucert {

struct VerdictInputs {
  std::string thresholds_source;                         // "embedded:thresholds" or the --thresholds file
  nlohmann::json thresholds = nlohmann::json::object();  // the floors document itself
  double parity_threshold = 0.97;
  std::string parity_threshold_source = "default";  // "suite" when the suite set it
};

VerdictInputs make_verdict_inputs(const Thresholds& thresholds, std::optional<double> suite_parity_threshold);
nlohmann::json to_json(const VerdictInputs& inputs);
Outcome<VerdictInputs> verdict_inputs_from_json(const nlohmann::json& j);
// The floors the inputs hold, parsed again (they passed the same checks when the run started).
Outcome<Thresholds> thresholds_of(const VerdictInputs& inputs);

}  // namespace gpucert

// A suite: the user's list of what to measure, validated in full before anything runs, and expanded into
// a plan of measurements. Every problem names the source, the field and what was expected.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "measurement.hpp"

namespace gpucert {

inline constexpr int kSuiteSchemaVersion = 1;

// The performance-parity check's pass mark (docs/ARCHITECTURE.md, "Conformance": fails only when the container/native
// ratio's whole 95% interval lies below it); a suite may set its own, "parity_threshold", within these bounds.
inline constexpr double kDefaultParityThreshold = 0.97;
inline constexpr double kMinParityThreshold = 0.5;
inline constexpr double kMaxParityThreshold = 1.0;

struct Suite {
  std::string name;
  std::string description;
  std::string source;  // "embedded:quick" or the file's path
  nlohmann::json document;
  std::vector<Measurement> plan;
  std::optional<double> parity_threshold;  // the suite's own, when it sets one
  // Container environments the suite asks for when the command line names none: "flavors" in each of
  // "cuda_versions" (`gpucert run --flavors ... --cuda ...` says the same and wins).
  std::vector<std::string> flavors;
  std::vector<std::string> cuda_versions;
};

// The top-level fields a suite may have (suite.schema.json lists the same).
std::vector<std::string> suite_fields();

// Parses and validates; on failure the error's message holds one line per problem, each prefixed with
// `source`.
Outcome<Suite> parse_suite(std::string_view text, const std::string& source);

// The suite compiled into the binary (suites/quick.json).
std::string_view embedded_quick_suite();

}  // namespace gpucert

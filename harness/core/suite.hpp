// A suite: the user's list of what to measure, validated in full before anything runs, and expanded into
// a plan of measurements. Every problem names the source, the field and what was expected.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "measurement.hpp"

namespace gpucert {

inline constexpr int kSuiteSchemaVersion = 1;

struct Suite {
  std::string name;
  std::string description;
  std::string source;  // "embedded:quick" or the file's path
  nlohmann::json document;
  std::vector<Measurement> plan;
};

// Parses and validates; on failure the error's message holds one line per problem, each prefixed with
// `source`.
Outcome<Suite> parse_suite(std::string_view text, const std::string& source);

// The suite compiled into the binary (suites/quick.json).
std::string_view embedded_quick_suite();

}  // namespace gpucert

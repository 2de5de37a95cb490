// A suite's own "parity_threshold" for the performance-parity check: read, bounded, refused with the field's
// name, and described by suites/suite.schema.json exactly as the code reads it.
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/suite.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

std::string suite_with(const std::string& extra) {
  return R"({"schema_version": 1, "name": "p", )" + extra + R"("items": [{"workload": "stream"}]})";
}

nlohmann::json schema() {
  std::ifstream in(std::string(GPUCERT_SOURCE_DIR) + "/suites/suite.schema.json");
  return nlohmann::json::parse(in);
}

TEST(SuiteParityThreshold, OptionalAndReadWhenGiven) {
  const auto without = parse_suite(suite_with(""), "p.json");
  ASSERT_TRUE(without.ok()) << without.error().describe();
  EXPECT_FALSE(without->parity_threshold);
  const auto with = parse_suite(suite_with(R"("parity_threshold": 0.95, )"), "p.json");
  ASSERT_TRUE(with.ok()) << with.error().describe();
  EXPECT_DOUBLE_EQ(*with->parity_threshold, 0.95);
  EXPECT_DOUBLE_EQ(*parse_suite(suite_with(R"("parity_threshold": 1, )"), "p.json")->parity_threshold, 1.0);
}

TEST(SuiteParityThreshold, RefusedOutOfBoundsOrNotANumberNamingTheField) {
  EXPECT_HAS(parse_suite(suite_with(R"("parity_threshold": 1.2, )"), "p.json").error().message,
             "p.json: parity_threshold: expected between 0.5 and 1.0, got 1.2");
  EXPECT_HAS(parse_suite(suite_with(R"("parity_threshold": 0.1, )"), "p.json").error().message,
             "p.json: parity_threshold: expected between 0.5 and 1.0, got 0.1");
  EXPECT_HAS(parse_suite(suite_with(R"("parity_threshold": "97%", )"), "p.json").error().message,
             "p.json: parity_threshold: expected a number between 0.5 and 1.0, got a string (\"97%\")");
}

TEST(SuiteParityThreshold, TheSchemaDescribesTheSameFieldsAndBounds) {
  const auto s = schema();
  std::set<std::string> in_schema;
  for (const auto& [key, value] : s["properties"].items()) in_schema.insert(key);
  const auto fields = suite_fields();
  EXPECT_EQ(in_schema, std::set<std::string>(fields.begin(), fields.end()));
  const auto& threshold = s["properties"]["parity_threshold"];
  EXPECT_EQ(threshold["type"], "number");
  EXPECT_DOUBLE_EQ(threshold["minimum"].get<double>(), kMinParityThreshold);
  EXPECT_DOUBLE_EQ(threshold["maximum"].get<double>(), kMaxParityThreshold);
  EXPECT_HAS(threshold["description"].get<std::string>(), "default 0.97");
  EXPECT_DOUBLE_EQ(kDefaultParityThreshold, 0.97);
  // Every field the schema names is one the parser accepts.
  EXPECT_HAS(parse_suite(suite_with(R"("parity_threshhold": 0.9, )"), "p.json").error().message,
             "p.json: parity_threshhold: unknown field");
}

}  // namespace
}  // namespace gpucert

// suites/suite.schema.json documents the suite format for editors; gpucert validates with its own code.
// These tests keep the two from drifting apart.
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/workloads/workload_spec.hpp"

namespace gpucert {
namespace {

nlohmann::json load_schema() {
  std::ifstream in(std::string(GPUCERT_SOURCE_DIR) + "/suites/suite.schema.json");
  return nlohmann::json::parse(in);
}

TEST(SuiteSchema, NamesEveryRegisteredWorkloadAndNoOther) {
  const auto schema = load_schema();
  std::set<std::string> in_schema;
  for (const auto& name : schema["$defs"]["item"]["properties"]["workload"]["enum"]) in_schema.insert(name);
  const auto names = workload_names();
  EXPECT_EQ(in_schema, std::set<std::string>(names.begin(), names.end()));
}

TEST(SuiteSchema, EachWorkloadAcceptsTheFieldsItsSpecReads) {
  const auto schema = load_schema();
  for (const auto* spec : workload_registry()) {
    const std::string name(spec->name());
    ASSERT_TRUE(schema["$defs"].contains(name)) << name << " has no definition in the schema";
    const auto& def = schema["$defs"][name];
    EXPECT_EQ(def["additionalProperties"], false) << name;
    std::set<std::string> in_schema;
    for (const auto& [key, value] : def["properties"].items()) in_schema.insert(key);
    std::set<std::string> in_code{"workload", "warmup", "repetitions", "timeout_s"};
    for (auto field : spec->fields()) in_code.emplace(field);
    EXPECT_EQ(in_schema, in_code) << name;
  }
}

}  // namespace
}  // namespace gpucert

// suites/suite.schema.json documents the suite format for editors; gpucert validates with its own code. The
// file is generated from the workload specs (`gpucert list --schema`); these tests keep the two from drifting apart.
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/suite.hpp"
#include "core/suite_schema.hpp"
#include "core/workloads/workload_spec.hpp"

namespace gpucert {
namespace {

nlohmann::json load_schema() {
  std::ifstream in(std::string(GPUCERT_SOURCE_DIR) + "/suites/suite.schema.json");
  return nlohmann::json::parse(in);
}

TEST(SuiteSchema, TheCommittedFileIsTheGeneratedOne) {
  EXPECT_EQ(load_schema(), suite_schema())
      << "suites/suite.schema.json is out of date: regenerate it with `build/gpucert list --schema > "
         "suites/suite.schema.json`";
}

TEST(SuiteSchema, EveryWorkloadFieldIsDescribedAndAnyOtherIsRefused) {
  for (const auto* spec : workload_registry()) {
    const std::string name(spec->name());
    EXPECT_FALSE(spec->fields().empty()) << name;
    const auto fields = spec->field_schema();
    for (auto it = fields.begin(); it != fields.end(); ++it)
      EXPECT_TRUE(it->is_object() && !it->empty()) << name << "." << it.key();
    const std::string suite =
        R"({"schema_version": 1, "name": "t", "items": [{"workload": ")" + name + R"(", "no_such_field": 1}]})";
    const auto parsed = parse_suite(suite, "test");
    ASSERT_FALSE(parsed) << name;
    EXPECT_NE(parsed.error().message.find("no_such_field"), std::string::npos) << parsed.error().message;
  }
}

TEST(SuiteSchema, NamesEveryRegisteredWorkloadAndNoOther) {
  const auto schema = load_schema();
  std::set<std::string> in_schema;
  for (const auto& name : schema["$defs"]["item"]["properties"]["workload"]["enum"]) in_schema.insert(name);
  const auto names = workload_names();
  EXPECT_EQ(in_schema, std::set<std::string>(names.begin(), names.end()));
}

// The schema's limits are the ones suite.cpp checks, and only a workload with a cold measurement may ask for one.
TEST(SuiteSchema, StatesTheLimitsAndTheL2ChoiceTheCodeChecks) {
  const auto schema = load_schema();
  EXPECT_EQ(schema["$defs"]["warmup"]["maximum"], kMaxWarmup);
  EXPECT_EQ(schema["$defs"]["repetitions"]["maximum"], kMaxRepetitions);
  EXPECT_EQ(schema["$defs"]["timeout_s"]["maximum"], kMaxTimeoutSeconds);
  for (const auto* spec : workload_registry()) {
    const auto& l2 = schema["$defs"][std::string(spec->name())]["properties"]["l2"];
    if (spec->flushes_l2())
      EXPECT_EQ(l2["$ref"], "#/$defs/l2") << spec->name();
    else
      EXPECT_EQ(l2["const"], "warm") << spec->name();
  }
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
    std::set<std::string> in_code{"workload", "warmup", "repetitions", "timeout_s", "l2"};
    for (auto field : spec->fields()) in_code.emplace(field);
    EXPECT_EQ(in_schema, in_code) << name;
  }
}

}  // namespace
}  // namespace gpucert

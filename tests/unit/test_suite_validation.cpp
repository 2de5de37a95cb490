// parse_suite: the shipped suites parse and expand; every bad input is refused with a message that names
// the source, the field's path and what was expected, so that a user can fix the file without reading code.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/suite.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

const std::string kSource = "suites/bad.json";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A valid suite around `items` (the JSON text of the items array's contents).
std::string suite_with_items(const std::string& items) {
  return R"({"schema_version": 1, "name": "t", "items": [)" + items + "]}";
}

// The error message for `text`, or a test failure when the suite is accepted.
std::string refusal(const std::string& text) {
  auto suite = parse_suite(text, kSource);
  if (suite.ok()) {
    ADD_FAILURE() << "accepted a bad suite:\n" << text;
    return {};
  }
  return suite.error().message;
}

// Every line of a refusal starts with the source, so a user knows which file to open.
void expect_every_line_names_source(const std::string& message) {
  std::istringstream lines(message);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_EQ(line.rfind(kSource + ": ", 0), 0u) << "line without the source: " << line;
  }
  EXPECT_GT(count, 0);
}

void expect_valid_plan(const Suite& suite) {
  ASSERT_FALSE(suite.plan.empty()) << suite.source;
  std::set<std::string> ids;
  for (const auto& m : suite.plan) {
    EXPECT_TRUE(ids.insert(m.id).second) << "duplicate id " << m.id << " in " << suite.source;
    EXPECT_GT(m.work, 0u) << m.id;
    EXPECT_GE(m.warmup, 0) << m.id;
    EXPECT_GE(m.repetitions, 1) << m.id;
    EXPECT_FALSE(m.workload.empty()) << m.id;
    EXPECT_EQ(m.id.rfind(m.workload + "/", 0), 0u) << "id does not start with its workload: " << m.id;
    EXPECT_TRUE(m.params.is_object()) << m.id;
  }
}

std::ptrdiff_t count_of(const std::vector<Measurement>& plan, const std::string& workload) {
  return std::count_if(plan.begin(), plan.end(), [&](const Measurement& m) { return m.workload == workload; });
}

// ---------------------------------------------------------------------------------------------------------
// Suites that ship

TEST(SuiteValidation, EmbeddedQuickSuiteParsesAndExpands) {
  auto suite = parse_suite(embedded_quick_suite(), "embedded:quick");
  ASSERT_TRUE(suite.ok()) << suite.error().message;
  EXPECT_EQ(suite->name, "quick");
  EXPECT_EQ(suite->source, "embedded:quick");
  EXPECT_FALSE(suite->description.empty());
  expect_valid_plan(*suite);
  // 6 BabelStream kernels x fp64, fp32 and host_copy h2d, d2h (other workloads may follow).
  EXPECT_EQ(count_of(suite->plan, "stream"), 12);
  EXPECT_EQ(count_of(suite->plan, "host_copy"), 2);
}

TEST(SuiteValidation, EmbeddedQuickSuiteIsTheFileInSuites) {
  EXPECT_EQ(std::string(embedded_quick_suite()),
            read_text(std::filesystem::path(GPUCERT_SOURCE_DIR) / "suites" / "quick.json"));
}

TEST(SuiteValidation, QuickSuiteExpandsToTheDocumentedMeasurements) {
  auto suite = parse_suite(embedded_quick_suite(), "embedded:quick");
  ASSERT_TRUE(suite.ok()) << suite.error().message;
  const Measurement* triad = nullptr;
  const Measurement* h2d = nullptr;
  for (const auto& m : suite->plan) {
    if (m.id == "stream/triad/fp64/2GiB") triad = &m;
    if (m.id == "host_copy/h2d/256MiB") h2d = &m;
  }
  ASSERT_NE(triad, nullptr);
  EXPECT_EQ(triad->workload, "stream");
  EXPECT_EQ(triad->params.at("kernel"), "triad");
  EXPECT_EQ(triad->params.at("precision"), "fp64");
  EXPECT_EQ(triad->params.at("elements"), 2 * kGiB / 8);
  EXPECT_EQ(triad->work, 3u * 2 * kGiB);  // triad: 3 arrays of 2 GiB
  EXPECT_EQ(triad->warmup, 3);            // from defaults
  EXPECT_EQ(triad->repetitions, 30);      // the item overrides the default of 20
  EXPECT_EQ(triad->metric, Metric::Bandwidth);
  ASSERT_NE(h2d, nullptr);
  EXPECT_EQ(h2d->work, 256u * kMiB);
  EXPECT_EQ(h2d->repetitions, 20);
  EXPECT_EQ(h2d->params.at("direction"), "h2d");
}

TEST(SuiteValidation, EverySuiteFileParsesAndExpands) {
  const auto dir = std::filesystem::path(GPUCERT_SOURCE_DIR) / "suites";
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto& path = entry.path();
    if (path.extension() != ".json" || path.filename().string().find("schema") != std::string::npos ||
        path.filename() == "thresholds.json")  // performance floors, checked in test_conformance.cpp
      continue;
    SCOPED_TRACE(path.string());
    auto suite = parse_suite(read_text(path), path.string());
    ASSERT_TRUE(suite.ok()) << suite.error().message;
    EXPECT_EQ(suite->name, path.stem().string()) << "a suite's name should be its file's name";
    expect_valid_plan(*suite);
    ++parsed;
  }
  EXPECT_GE(parsed, 3);  // quick, certify, acceptance
}

TEST(SuiteValidation, DefaultsApplyWhenAnItemSaysNothing) {
  auto suite = parse_suite(suite_with_items(R"({"workload": "stream"})"), "t.json");
  ASSERT_TRUE(suite.ok()) << suite.error().message;
  // Every kernel in fp64 and fp32, 1 GiB per array, 3 warm-up runs and 20 repetitions.
  ASSERT_EQ(suite->plan.size(), 12u);
  EXPECT_EQ(suite->plan[0].id, "stream/copy/fp64/1GiB");
  EXPECT_EQ(suite->plan[0].warmup, 3);
  EXPECT_EQ(suite->plan[0].repetitions, 20);
  EXPECT_EQ(suite->plan[0].work, 2u * kGiB);
}

TEST(SuiteValidation, ItemFieldsNarrowTheExpansion) {
  auto suite =
      parse_suite(suite_with_items(R"({"workload": "stream", "kernels": ["dot", "nstream"], "precisions": ["fp32"],)"
                                   R"( "array_bytes": 4194304, "warmup": 0, "repetitions": 7})"),
                  "t.json");
  ASSERT_TRUE(suite.ok()) << suite.error().message;
  ASSERT_EQ(suite->plan.size(), 2u);
  EXPECT_EQ(suite->plan[0].id, "stream/dot/fp32/4MiB");
  EXPECT_EQ(suite->plan[0].work, 2u * 4 * kMiB);
  EXPECT_EQ(suite->plan[1].id, "stream/nstream/fp32/4MiB");
  EXPECT_EQ(suite->plan[1].work, 4u * 4 * kMiB);
  EXPECT_EQ(suite->plan[1].params.at("elements"), 4 * kMiB / 4);
  EXPECT_EQ(suite->plan[1].warmup, 0);
  EXPECT_EQ(suite->plan[1].repetitions, 7);
}

// ---------------------------------------------------------------------------------------------------------
// Bad input: each refusal names the source, the path and what was expected

TEST(SuiteValidation, RefusesUnknownWorkload) {
  const auto message = refusal(suite_with_items(R"({"workload": "strem"})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "suites/bad.json: items[0].workload:");
  EXPECT_HAS(message, "unknown workload 'strem'");
  EXPECT_HAS(message, "expected one of");
  EXPECT_HAS(message, "stream");
  EXPECT_HAS(message, "host_copy");
}

TEST(SuiteValidation, RefusesStringWhereANumberBelongs) {
  const auto message = refusal(suite_with_items(R"({"workload": "stream", "array_bytes": "2GiB"})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "items[0].array_bytes:");
  EXPECT_HAS(message, "expected a whole number");
  EXPECT_HAS(message, "got a string");
  EXPECT_HAS(message, "\"2GiB\"");
}

TEST(SuiteValidation, RefusesFractionWhereAWholeNumberBelongs) {
  const auto message = refusal(suite_with_items(R"({"workload": "stream", "repetitions": 2.5})"));
  EXPECT_HAS(message, "items[0].repetitions:");
  EXPECT_HAS(message, "expected a whole number between 1 and 100000");
  EXPECT_HAS(message, "a number with a fraction");
}

TEST(SuiteValidation, RefusesNumberWhereAListBelongs) {
  const auto message = refusal(suite_with_items(R"({"workload": "stream", "precisions": 64})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "items[0].precisions:");
  EXPECT_HAS(message, "expected a non-empty array of precision names");
  EXPECT_HAS(message, "fp32, fp64");
  EXPECT_HAS(message, "got a whole number");
}

TEST(SuiteValidation, RefusesEmptyList) {
  const auto message = refusal(suite_with_items(R"({"workload": "stream", "kernels": []})"));
  EXPECT_HAS(message, "items[0].kernels:");
  EXPECT_HAS(message, "expected a non-empty array of kernel names");
}

TEST(SuiteValidation, RefusesNegativeSize) {
  const auto message = refusal(suite_with_items(R"({"workload": "stream", "array_bytes": -1})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "items[0].array_bytes:");
  EXPECT_HAS(message, "expected between 1048576 and 68719476736 bytes per array");
  EXPECT_HAS(message, "got -1");
}

TEST(SuiteValidation, RefusesAbsurdSize) {
  const auto message = refusal(suite_with_items(R"({"workload": "stream", "array_bytes": 1099511627776})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "items[0].array_bytes:");
  EXPECT_HAS(message, "expected between 1048576 and 68719476736");
  EXPECT_HAS(message, "got 1099511627776");
}

TEST(SuiteValidation, RefusesSizeBeyondInt64) {
  const auto message = refusal(suite_with_items(R"({"workload": "host_copy", "bytes": 18446744073709551615})"));
  EXPECT_HAS(message, "items[0].bytes:");
  EXPECT_HAS(message, "expected between 4096 and 17179869184 bytes");
  EXPECT_HAS(message, "18446744073709551615");
}

TEST(SuiteValidation, RefusesZeroRepetitions) {
  const auto message = refusal(suite_with_items(R"({"workload": "stream", "repetitions": 0})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "items[0].repetitions:");
  EXPECT_HAS(message, "expected between 1 and 100000");
  EXPECT_HAS(message, "got 0");
}

TEST(SuiteValidation, RefusesZeroRepetitionsInDefaults) {
  const auto message = refusal(
      R"({"schema_version": 1, "name": "t", "defaults": {"repetitions": 0}, "items": [{"workload": "stream"}]})");
  EXPECT_HAS(message, "suites/bad.json: defaults.repetitions:");
  EXPECT_HAS(message, "expected between 1 and 100000");
}

TEST(SuiteValidation, RefusesUnknownFieldInDefaults) {
  const auto message = refusal(
      R"({"schema_version": 1, "name": "t", "defaults": {"repetition": 5}, "items": [{"workload": "stream"}]})");
  EXPECT_HAS(message, "suites/bad.json: defaults.repetition:");
  EXPECT_HAS(message, "unknown field (expected one of warmup, repetitions, timeout_s, l2)");
}

TEST(SuiteValidation, ColdL2MarksEveryIdAndMeasurement) {
  auto suite = parse_suite(suite_with_items(R"({"workload": "gemm", "precisions": ["fp16", "bf16"], "l2": "cold"},
      {"workload": "gemm", "precisions": ["fp16"], "l2": "warm"})"),
                           kSource);
  ASSERT_TRUE(suite.ok()) << suite.error().message;
  std::vector<std::string> cold, warm;
  for (const auto& m : suite->plan) (m.flush_l2 ? cold : warm).push_back(m.id);
  ASSERT_FALSE(warm.empty());
  ASSERT_EQ(cold.size(), 2 * warm.size());  // two precisions cold, one warm, over the same default shapes
  for (const auto& id : cold) EXPECT_EQ(id.substr(id.size() - 5), "/cold") << id;
  // the warm item's ids are the ones a suite without "l2" has
  for (const auto& id : warm) EXPECT_EQ(id.find("cold"), std::string::npos) << id;
}

// An item that asks for a cold L2 where the workload has none is refused rather than measured warm under a cold id.
TEST(SuiteValidation, RefusesColdL2OfAWorkloadWithoutOne) {
  const auto message = refusal(suite_with_items(R"({"workload": "host_copy", "l2": "cold"})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "items[0].l2:");
  EXPECT_HAS(message, "workload 'host_copy' has no cold measurement");
  EXPECT_HAS(message, "applies to stream, gemm, conv");
}

TEST(SuiteValidation, RefusesAnL2ThatIsNeitherWarmNorCold) {
  EXPECT_HAS(refusal(suite_with_items(R"({"workload": "stream", "l2": "hot"})")), "'hot' is neither warm nor cold");
  EXPECT_HAS(refusal(R"({"schema_version": 1, "name": "t", "defaults": {"l2": 1}, "items": [{"workload": "stream"}]})"),
             "defaults.l2:");
}

// The suite's default of cold reaches the workloads that have a cold measurement; the others stay warm, and their
// ids say so.
TEST(SuiteValidation, DefaultColdL2AppliesWhereAColdMeasurementExists) {
  auto suite = parse_suite(R"({"schema_version": 1, "name": "t", "defaults": {"l2": "cold"}, "items": [
      {"workload": "stream", "kernels": ["triad"], "precisions": ["fp64"]},
      {"workload": "host_copy", "directions": ["h2d"]}]})",
                           kSource);
  ASSERT_TRUE(suite.ok()) << suite.error().message;
  ASSERT_EQ(suite->plan.size(), 2u);
  EXPECT_EQ(suite->plan[0].id, "stream/triad/fp64/1GiB/cold");
  EXPECT_TRUE(suite->plan[0].flush_l2);
  EXPECT_EQ(suite->plan[1].id, "host_copy/h2d/256MiB");
  EXPECT_FALSE(suite->plan[1].flush_l2);
}

TEST(SuiteValidation, RefusesUnknownPrecision) {
  const auto message = refusal(suite_with_items(R"({"workload": "stream", "precisions": ["fp64", "fp12"]})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "items[0].precisions[1]:");
  EXPECT_HAS(message, "unknown precision 'fp12'");
  EXPECT_HAS(message, "(expected one of fp32, fp64)");
}

TEST(SuiteValidation, RefusesUnknownKernel) {
  const auto message = refusal(suite_with_items(R"({"workload": "stream", "kernels": ["tirad"]})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "items[0].kernels[0]:");
  EXPECT_HAS(message, "unknown kernel 'tirad'");
  EXPECT_HAS(message, "expected one of copy, mul, add, triad, dot, nstream");
}

TEST(SuiteValidation, RefusesNonStringInAList) {
  const auto message = refusal(suite_with_items(R"({"workload": "host_copy", "directions": ["h2d", 2]})"));
  EXPECT_HAS(message, "items[0].directions[1]:");
  EXPECT_HAS(message, "expected a string, got a whole number");
}

TEST(SuiteValidation, RefusesDuplicatePrecision) {
  const auto message = refusal(suite_with_items(R"({"workload": "stream", "precisions": ["fp64", "fp64"]})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "items[0].precisions[1]:");
  EXPECT_HAS(message, "precision 'fp64' is listed twice");
}

TEST(SuiteValidation, RefusesMissingItems) {
  const auto message = refusal(R"({"schema_version": 1, "name": "t"})");
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "suites/bad.json: items: missing (this field is required)");
}

TEST(SuiteValidation, RefusesEmptyItems) {
  const auto message = refusal(R"({"schema_version": 1, "name": "t", "items": []})");
  EXPECT_HAS(message, "suites/bad.json: items: expected a non-empty array");
}

TEST(SuiteValidation, RefusesMissingName) {
  const auto message = refusal(R"({"schema_version": 1, "items": [{"workload": "stream"}]})");
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "suites/bad.json: name: missing (this field is required)");
}

TEST(SuiteValidation, RefusesEmptyName) {
  const auto message = refusal(R"({"schema_version": 1, "name": "", "items": [{"workload": "stream"}]})");
  EXPECT_HAS(message, "suites/bad.json: name: expected a non-empty string");
}

TEST(SuiteValidation, RefusesMissingSchemaVersion) {
  const auto message = refusal(R"({"name": "t", "items": [{"workload": "stream"}]})");
  EXPECT_HAS(message, "suites/bad.json: schema_version: missing (this field is required)");
}

TEST(SuiteValidation, RefusesItemWithoutWorkload) {
  const auto message = refusal(suite_with_items(R"({"workload": "stream"}, {"repetitions": 5})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "suites/bad.json: items[1].workload: missing (this field is required)");
}

TEST(SuiteValidation, RefusesItemThatIsNotAnObject) {
  const auto message = refusal(suite_with_items(R"("stream")"));
  EXPECT_HAS(message, "suites/bad.json: items[0]: expected an object, got a string");
}

TEST(SuiteValidation, RefusesUnknownTopLevelField) {
  const auto message = refusal(R"({"schema_version": 1, "name": "t", "itmes": [], "items": [{"workload": "stream"}]})");
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "suites/bad.json: itmes: unknown field");
  EXPECT_HAS(message, "expected one of $schema, schema_version, name, description, defaults, items");
}

TEST(SuiteValidation, RefusesMisspeltFieldInsideAnItem) {
  const auto message = refusal(suite_with_items(R"({"workload": "stream", "precision": ["fp32"]})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "suites/bad.json: items[0].precision:");
  EXPECT_HAS(message, "unknown field for workload 'stream'");
  EXPECT_HAS(message, "precisions");  // the spelling it expected
}

TEST(SuiteValidation, RefusesFieldOfAnotherWorkload) {
  const auto message = refusal(suite_with_items(R"({"workload": "host_copy", "array_bytes": 1048576})"));
  EXPECT_HAS(message, "items[0].array_bytes:");
  EXPECT_HAS(message, "unknown field for workload 'host_copy'");
  EXPECT_HAS(message, "bytes, directions");
}

TEST(SuiteValidation, RefusesTrailingGarbageWithLineAndColumn) {
  // The garbage starts on line 5, column 3.
  const std::string text = suite_with_items(R"({"workload": "stream"})") + "\n\n\n\n  garbage\n";
  const auto message = refusal(text);
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "suites/bad.json: not valid JSON at line 5, column 3");
  EXPECT_HAS(message, "syntax error");
  EXPECT_LACKS(message, "[json.exception");  // library noise has no place in a user's message
}

TEST(SuiteValidation, RefusesTextThatIsNotJson) {
  // The parser reads "na" hoping for "null": the position is where it gave up, column 2.
  const auto message = refusal("name = quick\nitems = stream\n");
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "suites/bad.json: not valid JSON at line 1, column 2");
}

TEST(SuiteValidation, RefusesEmptyText) {
  const auto message = refusal("");
  EXPECT_HAS(message, "suites/bad.json: not valid JSON");
}

TEST(SuiteValidation, RefusesANumberBeyondTheRangeOfADouble) {
  // Found by fuzz_suite (tests/fuzz/corpus/suite/number_overflow.json): nlohmann's parser throws out_of_range,
  // not parse_error, for a number no double holds, and it escaped parse_suite (std::terminate).
  for (const std::string number : {"26E8435456", "1e400", "-1e400", "1.8e308"}) {
    const auto message = refusal(suite_with_items(R"({"workload": "host_copy", "bytes": )" + number + "}"));
    expect_every_line_names_source(message);
    EXPECT_HAS(message, "suites/bad.json: not valid JSON: the number " + number +
                            " is beyond the range of a double (about 1.8e308)");
    EXPECT_LACKS(message, "[json.exception");
  }
  // Anywhere in the document, a key's value or a list's element alike.
  EXPECT_HAS(refusal(R"({"schema_version": 1, "name": "t", "parity_threshold": 1E999, "items": []})"),
             "the number 1E999 is beyond");
  // A tiny number is no error: it reads as 0 (and is then refused as a field's value, not as JSON).
  EXPECT_HAS(refusal(suite_with_items(R"({"workload": "host_copy", "bytes": 1e-400})")), "items[0].bytes:");
}

TEST(SuiteValidation, ReportsPositionOfAnErrorInsideTheDocument) {
  // A missing comma after the name, on line 3: the parser notices at the end of the next key, "items"
  // on line 4 (columns 3 to 9); the position is where it stopped reading, as nlohmann reports it.
  const std::string text = "{\n  \"schema_version\": 1,\n  \"name\": \"t\"\n  \"items\": []\n}\n";
  const auto message = refusal(text);
  EXPECT_HAS(message, "not valid JSON at line 4, column 9");
  EXPECT_HAS(message, "expected '}'");
}

TEST(SuiteValidation, RefusesJsonThatIsNotAnObject) {
  const auto message = refusal(R"([{"workload": "stream"}])");
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "suites/bad.json: expected an object, got an array");
}

TEST(SuiteValidation, RefusesNewerSchemaVersion) {
  const auto message = refusal(R"({"schema_version": 2, "name": "t", "items": [{"workload": "stream"}]})");
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "suites/bad.json: schema_version:");
  EXPECT_HAS(message, "reads suite schema version 1, the file has 2");
}

TEST(SuiteValidation, RefusesDuplicateMeasurement) {
  const auto message = refusal(suite_with_items(
      R"({"workload": "stream", "kernels": ["triad"]}, {"workload": "stream", "kernels": ["triad"]})"));
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "suites/bad.json: items:");
  EXPECT_HAS(message, "measurement 'stream/triad/fp64/1GiB' appears twice");
}

TEST(SuiteValidation, RefusesOverlappingItemsOnlyWhereTheyOverlap) {
  // The second item repeats fp32 triad only: that is the one measurement named.
  const auto message =
      refusal(suite_with_items(R"({"workload": "stream", "kernels": ["triad"], "precisions": ["fp64", "fp32"]},)"
                               R"({"workload": "stream", "kernels": ["triad", "copy"], "precisions": ["fp32"]})"));
  EXPECT_HAS(message, "'stream/triad/fp32/1GiB' appears twice");
  EXPECT_LACKS(message, "fp64/1GiB' appears");
  EXPECT_LACKS(message, "copy");
}

TEST(SuiteValidation, ReportsEveryProblemAtOnce) {
  const auto message = refusal(R"({"schema_version": 2, "items": [)"
                               R"({"workload": "stream", "precisions": ["fp12"], "repetitions": 0},)"
                               R"({"workload": "host_copy", "bytes": 1})"
                               R"(]})");
  expect_every_line_names_source(message);
  EXPECT_HAS(message, "schema_version:");
  EXPECT_HAS(message, "name: missing");
  EXPECT_HAS(message, "items[0].precisions[0]: unknown precision 'fp12'");
  EXPECT_HAS(message, "items[0].repetitions:");
  EXPECT_HAS(message, "items[1].bytes: expected between 4096");
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 4) << message;  // five lines
}

TEST(SuiteValidation, ErrorRecordsWhereItWasRaised) {
  auto suite = parse_suite("{}", kSource);
  ASSERT_FALSE(suite.ok());
  EXPECT_EQ(suite.error().where.rfind("harness/core/suite.cpp:", 0), 0u) << suite.error().where;
}

}  // namespace
}  // namespace gpucert

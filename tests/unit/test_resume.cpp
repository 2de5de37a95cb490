// `gpucert run --resume`: what identifies a run (run.json), what makes two runs different, which measurements
// are already done, and that appending to a results.jsonl a crash cut short starts on a fresh line.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "coordinator/results_log.hpp"
#include "coordinator/resume.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

using coordinator::ExpectedResults;
using coordinator::RecordedResults;
using coordinator::RunIdentity;

RunIdentity identity() {
  RunIdentity id;
  id.suite_name = "quick";
  id.suite_source = "embedded:quick";
  id.suite_digest = coordinator::text_digest(R"({"name":"quick"})");
  id.seed = 7;
  id.ranks = 2;
  id.rounds = 5;
  id.environments = {"runtime (oci /var/tmp/flavors/runtime)"};
  id.gpucert_version = "0.1.0";
  id.command = "gpucert run --seed 7 --out out";
  id.started = "2026-11-25T18:01:58Z";
  return id;
}

ResultRecord record(const std::string& id, const std::string& environment, int rank) {
  ResultRecord r;
  r.measurement.id = id;
  r.environment = environment;
  r.placement.rank = rank;
  r.reply.status = RunStatus::Ok;  // one that broke would be tried again (test_reliability.cpp)
  return r;
}

TEST(Resume, TheDigestIsStableAndTellsTextsApart) {
  EXPECT_EQ(coordinator::text_digest(""), "fnv1a64:cbf29ce484222325");
  EXPECT_EQ(coordinator::text_digest("a"), "fnv1a64:af63dc4c8601ec8c");
  EXPECT_NE(coordinator::text_digest(R"({"name":"quick"})"), coordinator::text_digest(R"({"name":"quick2"})"));
}

TEST(Resume, RunJsonComesBackAsItWasWritten) {
  const auto id = identity();
  const auto back = coordinator::run_identity_from_json(nlohmann::json::parse(coordinator::to_json(id).dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(coordinator::to_json(*back), coordinator::to_json(id));
  EXPECT_TRUE(coordinator::identity_differences(*back, id).empty());
}

TEST(Resume, AnUnreadableRunJsonSaysWhy) {
  EXPECT_HAS(coordinator::run_identity_from_json(nlohmann::json::array()).error().message, "expected a JSON object");
  EXPECT_HAS(coordinator::run_identity_from_json(nlohmann::json{{"format", 99}}).error().message,
             "format 99; this gpucert reads 1");
  auto j = coordinator::to_json(identity());
  j.erase("seed");
  EXPECT_HAS(coordinator::run_identity_from_json(j).error().message, "missing or of the wrong type");
}

TEST(Resume, EveryDifferenceThatMattersIsNamed) {
  const auto stored = identity();
  auto now = stored;
  now.command = "gpucert run --resume out";  // the command and the start differ in every resumed run
  now.started = "2026-11-26T01:00:00Z";
  now.gpucert_version = "0.1.1";
  EXPECT_TRUE(coordinator::identity_differences(stored, now).empty());

  now.suite_name = "certify";
  now.suite_source = "suites/certify.json";
  now.suite_digest = coordinator::text_digest("{}");
  now.seed = 1;
  now.ranks = 4;
  now.rounds = 3;
  now.environments = {};
  const auto d = coordinator::identity_differences(stored, now);
  ASSERT_EQ(d.size(), 5u);
  EXPECT_HAS(d[0], "the suite differs: it was 'quick' from embedded:quick");
  EXPECT_HAS(d[0], "now 'certify' from suites/certify.json");
  EXPECT_EQ(d[1], "--seed differs: it was 7, now 1");
  EXPECT_EQ(d[2], "the rank count differs: it ran on 2 rank(s), now 4");
  EXPECT_EQ(d[3], "--rounds differs: it was 5, now 3");
  EXPECT_EQ(d[4], "the environments differ: they were native, runtime (oci /var/tmp/flavors/runtime); now native");
}

TEST(Resume, SameTextFromAnotherPlaceIsTheSameSuite) {
  const auto stored = identity();
  auto now = stored;
  now.suite_source = "/elsewhere/quick.json";
  EXPECT_TRUE(coordinator::identity_differences(stored, now).empty());
}

TEST(Resume, AMeasurementIsDoneWhenEveryExpectedRankAndEnvironmentHasItsRecord) {
  const RecordedResults recorded({record("a", "native", 0), record("a", "native", 1), record("a", "runtime", 0),
                                  record("a", "runtime", 1), record("b", "native", 0), record("b", "native", 1),
                                  record("b", "runtime", 0)});
  const std::vector<ExpectedResults> both{{"native", {0, 1}}, {"runtime", {0, 1}}};
  EXPECT_TRUE(coordinator::measurement_done("a", both, recorded));
  EXPECT_FALSE(coordinator::measurement_done("b", both, recorded));  // rank 1 in runtime is missing
  EXPECT_FALSE(coordinator::measurement_done("c", both, recorded));  // never started
  // Rank 1 cannot run in runtime this time (no usable GPU there): it records nothing, so b is done.
  EXPECT_TRUE(coordinator::measurement_done("b", {{"native", {0, 1}}, {"runtime", {0}}}, recorded));
  // Nothing expected anywhere: not done (running it records nothing either).
  EXPECT_FALSE(coordinator::measurement_done("a", {{"native", {}}}, recorded));
  EXPECT_TRUE(recorded.contains(record("b", "runtime", 0)));
  EXPECT_FALSE(recorded.contains(record("b", "runtime", 1)));
  EXPECT_FALSE(recorded.contains("a", "devel", 0));
}

TEST(Resume, TheDecisionTravelsAsText) {
  const std::vector<bool> done{true, false, false, true};
  EXPECT_EQ(coordinator::encode_done(done), "1001");
  EXPECT_EQ(coordinator::decode_done("1001", 4), done);
  EXPECT_TRUE(coordinator::decode_done("1001", 3).empty());
  EXPECT_TRUE(coordinator::decode_done("10x1", 4).empty());
}

class ResultsLogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::path(GPUCERT_BINARY_DIR) / ("unit-results-log-" + std::to_string(getpid()) + ".jsonl");
    std::filesystem::remove(path_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  void write(const std::string& text) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << text;
  }
  std::string read() {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  std::filesystem::path path_;
};

TEST_F(ResultsLogFile, ANewLogIsCreatedAndAppendedTo) {
  {
    auto log = coordinator::ResultsLog::create(path_);
    ASSERT_TRUE(log.ok()) << log.error().message;
    ASSERT_TRUE(log->append(R"({"a":1})").ok());
  }
  auto log = coordinator::ResultsLog::create(path_);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(log->append(R"({"a":2})").ok());
  EXPECT_EQ(read(), "{\"a\":1}\n{\"a\":2}\n");
}

TEST_F(ResultsLogFile, AppendingAfterALineCutShortStartsAFreshLine) {
  write("{\"a\":1}\n{\"a\":");
  {
    auto log = coordinator::ResultsLog::create(path_);
    ASSERT_TRUE(log.ok()) << log.error().message;
    ASSERT_TRUE(log->append(R"({"a":2})").ok());
  }
  EXPECT_EQ(read(), "{\"a\":1}\n{\"a\":\n{\"a\":2}\n");  // the old bytes kept, the new record on its own line
  // Opened again with nothing to add, it stays as it is.
  ASSERT_TRUE(coordinator::ResultsLog::create(path_).ok());
  EXPECT_EQ(read(), "{\"a\":1}\n{\"a\":\n{\"a\":2}\n");
}

}  // namespace
}  // namespace gpucert

// Reading a run back from its output folder (results.jsonl, ranks.json, report.json) for `gpucert report`
// and `gpucert compare`: what was written comes back, a crash's torn last line is skipped with a warning,
// and anything else unreadable is refused with the file and line.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "golden_run.hpp"
#include "reports/report_files.hpp"
#include "reports/run_folder.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

namespace fs = std::filesystem;

// Records compare as the text they are written as: bytes that are not UTF-8 (the golden run has some) are
// U+FFFD once written, on both sides.
std::string text_of(const nlohmann::json& j) { return reports::json_text(j); }

class RunFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(GPUCERT_BINARY_DIR) / ("unit-run-folder-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream out(dir_ / name, std::ios::binary | std::ios::trunc);
    out << text;
  }
  // results.jsonl as run_session appends it: one JSON object per line.
  void write_log(const RunRecord& run, const std::string& tail = "") {
    std::string text;
    for (const auto& r : run.results) text += reports::json_text(to_json(r));
    write("results.jsonl", text + tail);
  }
  fs::path dir_;
};

TEST_F(RunFolder, ResultsAndRanksComeBackAsTheyWereWritten) {
  const auto run = fixtures::golden_run();
  ASSERT_TRUE(reports::write_ranks(run.ranks, dir_).ok());
  write_log(run);
  const auto back = reports::read_run_folder(dir_);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->warnings.empty());
  ASSERT_EQ(back->run.ranks.size(), run.ranks.size());
  for (std::size_t i = 0; i < run.ranks.size(); ++i)
    EXPECT_EQ(text_of(to_json(back->run.ranks[i])), text_of(to_json(run.ranks[i])));
  ASSERT_EQ(back->run.results.size(), run.results.size());
  for (std::size_t i = 0; i < run.results.size(); ++i)
    EXPECT_EQ(text_of(to_json(back->run.results[i])), text_of(to_json(run.results[i])));
  // Without report.json nothing says which suite ran or when.
  EXPECT_EQ(back->run.suite_name, "");
  EXPECT_EQ(back->run.started, "");
}

TEST_F(RunFolder, SuiteBuildAndTimesComeFromReportJsonWhenThere) {
  const auto run = fixtures::golden_run();
  ASSERT_TRUE(reports::write_reports(run, dir_).ok());
  ASSERT_TRUE(reports::write_ranks(run.ranks, dir_).ok());
  write_log(run);
  const auto back = reports::read_run_folder(dir_);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->run.suite_name, run.suite_name);
  EXPECT_EQ(back->run.suite_source, run.suite_source);
  EXPECT_EQ(back->run.started, run.started);
  EXPECT_EQ(back->run.finished, run.finished);
  EXPECT_EQ(back->run.command, run.command);
  EXPECT_EQ(back->run.build.version, run.build.version);
  EXPECT_EQ(back->run.build.cuda_build_version, 13000);
  EXPECT_EQ(back->run.build.architectures, "90");
  EXPECT_TRUE(back->run.checks.empty());  // checks are derived again by whoever renders
}

TEST_F(RunFolder, ATornLastLineIsSkippedWithAWarning) {
  const auto run = fixtures::healthy_run();
  ASSERT_TRUE(reports::write_ranks(run.ranks, dir_).ok());
  write_log(run, R"({"id":"stream/add/fp64/2GiB","workload":"str)");
  const auto back = reports::read_run_folder(dir_);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->run.results.size(), run.results.size());
  ASSERT_EQ(back->warnings.size(), 1u);
  EXPECT_HAS(back->warnings[0],
             "results.jsonl:" + std::to_string(run.results.size() + 1) + ": skipped a last line cut short");
}

TEST_F(RunFolder, ABrokenLineInTheMiddleIsRefused) {
  const auto run = fixtures::healthy_run();
  ASSERT_TRUE(reports::write_ranks(run.ranks, dir_).ok());
  write("results.jsonl", to_json(run.results[0]).dump() + "\n{not json}\n" + to_json(run.results[1]).dump() + "\n");
  const auto back = reports::read_run_folder(dir_);
  ASSERT_FALSE(back.ok());
  EXPECT_HAS(back.error().message, "results.jsonl:2: not a JSON line");
}

TEST_F(RunFolder, ALineWithANumberBeyondADoubleIsRefusedNotThrown) {
  // nlohmann's parser throws out_of_range, not parse_error, for 1e400: it escaped read_run_folder.
  const auto run = fixtures::healthy_run();
  ASSERT_TRUE(reports::write_ranks(run.ranks, dir_).ok());
  write("results.jsonl",
        to_json(run.results[0]).dump() + "\n{\"seconds\": 1e400}\n" + to_json(run.results[1]).dump() + "\n");
  const auto back = reports::read_run_folder(dir_);
  ASSERT_FALSE(back.ok());
  EXPECT_HAS(back.error().message, "results.jsonl:2: not a JSON line");
}

TEST_F(RunFolder, ALineCutShortThatAResumedRunWroteAfterIsSkippedWithAWarning) {
  const auto run = fixtures::healthy_run();
  ASSERT_TRUE(reports::write_ranks(run.ranks, dir_).ok());
  const auto first = to_json(run.results[0]).dump();
  write("results.jsonl",
        first + "\n" + first.substr(0, first.size() / 2) + "\n" + to_json(run.results[1]).dump() + "\n");
  const auto back = reports::read_run_folder(dir_);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->run.results.size(), 2u);
  ASSERT_EQ(back->warnings.size(), 1u);
  EXPECT_HAS(back->warnings[0], "results.jsonl:2: skipped a line cut short by an interrupted run");
}

// A cluster's log is read in 32 MiB blocks, its lines parsed on every core: lines that straddle a block, and
// their order and numbers, come out as from a small log.
TEST_F(RunFolder, ALogOfManyBlocksComesBackInOrderWithItsLineNumbers) {
  const auto run = fixtures::healthy_run();
  ASSERT_TRUE(reports::write_ranks(run.ranks, dir_).ok());
  std::string text;
  std::size_t lines = 0;
  for (std::size_t k = 0; text.size() < (std::size_t{40} << 20); ++k)
    for (auto r : run.results) {
      r.measurement.id += "#" + std::to_string(k);
      text += reports::json_text(to_json(r));
      ++lines;
    }
  write("results.jsonl", text + "{not json}\n" + to_json(run.results[0]).dump() + "\n");
  auto back = reports::read_run_folder(dir_);
  ASSERT_FALSE(back.ok());
  EXPECT_HAS(back.error().message, "results.jsonl:" + std::to_string(lines + 1) + ": not a JSON line");

  write("results.jsonl", text);
  back = reports::read_run_folder(dir_);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->warnings.empty());
  ASSERT_EQ(back->run.results.size(), lines);
  for (std::size_t i = 0; i < lines; ++i) {
    const auto& expected = run.results[i % run.results.size()];
    ASSERT_EQ(back->run.results[i].measurement.id,
              expected.measurement.id + "#" + std::to_string(i / run.results.size()));
  }
}

TEST_F(RunFolder, ALineLongerThanAnyRecordIsRefusedNotHeld) {
  const auto run = fixtures::healthy_run();
  ASSERT_TRUE(reports::write_ranks(run.ranks, dir_).ok());
  write("results.jsonl", to_json(run.results[0]).dump() + "\n\"" + std::string(std::size_t{100} << 20, 'x') + "\"\n" +
                             to_json(run.results[1]).dump() + "\n");
  const auto back = reports::read_run_folder(dir_);
  ASSERT_FALSE(back.ok());
  EXPECT_HAS(back.error().message, "results.jsonl:2: a line longer than 64 MiB");
}

TEST_F(RunFolder, WithoutARankTableItSaysWhatIsMissing) {
  write("results.jsonl", "");
  const auto back = reports::read_run_folder(dir_);
  ASSERT_FALSE(back.ok());
  EXPECT_HAS(back.error().message, "ranks.json is missing, and there is no report.json");
  write("ranks.json", "{\"rank\": 0}");
  EXPECT_HAS(reports::read_run_folder(dir_).error().message, "expected an array of rank records");
}

TEST_F(RunFolder, ReportJsonReadsBackWithItsChecks) {
  const auto run = fixtures::golden_run();
  ASSERT_TRUE(reports::write_reports(run, dir_).ok());
  for (const auto& path : {dir_, dir_ / "report.json"}) {
    const auto back = reports::read_run(path);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(text_of(to_json(back->run)), text_of(to_json(run))) << path;
  }
  write("other.json", R"({"schema_version": 99, "ranks": [], "results": []})");
  EXPECT_HAS(reports::read_run(dir_ / "other.json").error().message, "schema_version 99; this gpucert reads 1");
  write("not-a-report.json", R"({"schema_version": 1, "name": "quick", "items": []})");  // a suite
  EXPECT_HAS(reports::read_run(dir_ / "not-a-report.json").error().message, "not a gpucert report.json");
  EXPECT_HAS(reports::read_run(dir_ / "missing").error().message, "does not exist");
}

TEST_F(RunFolder, BytesThatAreNotUtf8DoNotCostTheReport) {
  // The golden run's failed result says "\xff\xfe": report.json holds U+FFFD there instead of throwing.
  const auto run = fixtures::golden_run();
  ASSERT_TRUE(reports::write_reports(run, dir_).ok());
  std::ifstream in(dir_ / "report.json", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_HAS(text, "second line \xEF\xBF\xBD\xEF\xBF\xBD");
  for (const char* file : {"report.md", "junit.xml", "report.html"}) EXPECT_TRUE(fs::exists(dir_ / file)) << file;
}

TEST(CudaVersionText, ReadsBackWhatFormatWrote) {
  EXPECT_EQ(reports::parse_cuda_version("13.0"), 13000);
  EXPECT_EQ(reports::parse_cuda_version("12.9"), 12090);
  EXPECT_EQ(reports::parse_cuda_version(format_cuda_version(11080)), 11080);
  EXPECT_EQ(reports::parse_cuda_version("unknown"), 0);
  EXPECT_EQ(reports::parse_cuda_version("13"), 0);
  EXPECT_EQ(reports::parse_cuda_version("13.0x"), 0);
}

}  // namespace
}  // namespace gpucert

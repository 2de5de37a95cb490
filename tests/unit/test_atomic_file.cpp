// reports/atomic_file.hpp: a report file is there whole, after commit(), or not at all.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "reports/atomic_file.hpp"
#include "reports/junit_report.hpp"
#include "reports/report_files.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert::reports {
namespace {

namespace fs = std::filesystem;

using testing_helpers::TempDir;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(AtomicFile, PiecesAppearWholeOnlyAfterCommit) {
  const TempDir temp;
  const auto& dir = temp.path;
  {
    AtomicFile file(dir / "report.json");
    ASSERT_TRUE(file.write("{\"a\":").ok());
    ASSERT_TRUE(file.write("1}\n").ok());
    EXPECT_FALSE(fs::exists(dir / "report.json"));  // a reader sees no half file
    ASSERT_TRUE(file.commit().ok());
  }
  EXPECT_EQ(read(dir / "report.json"), "{\"a\":1}\n");
  EXPECT_FALSE(fs::exists(dir / "report.json.tmp"));
}

TEST(AtomicFile, AFileGivenUpLeavesNothingAndKeepsTheOldOne) {
  const TempDir temp;
  const auto& dir = temp.path;
  std::ofstream(dir / "junit.xml") << "old";
  {
    AtomicFile file(dir / "junit.xml");
    ASSERT_TRUE(file.write("new, unfinished").ok());
  }  // no commit: an error, or an exception, on the way
  EXPECT_EQ(read(dir / "junit.xml"), "old");
  EXPECT_FALSE(fs::exists(dir / "junit.xml.tmp"));
}

TEST(AtomicFile, AFolderThatCannotBeWrittenIsAnErrorNamingTheFileEveryTime) {
  const TempDir temp;
  const auto missing = temp.path / "no" / "such" / "folder" / "report.md";
  AtomicFile file(missing);
  const auto first = file.write("text");
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.error().message.find("report.md"), std::string::npos) << first.error().message;
  EXPECT_FALSE(file.write("more").ok());
  EXPECT_FALSE(file.commit().ok());
  EXPECT_FALSE(write_file_atomically(missing, "text").ok());
}

TEST(Junit, ThePiecesMakeTheWholeFileAndAFailedWriteStopsIt) {
  RunRecord run;
  run.suite_name = "quick";
  std::string pieces;
  std::size_t calls = 0;
  EXPECT_TRUE(render_junit(run, [&](std::string_view piece) {
    pieces.append(piece);
    ++calls;
    return true;
  }));
  EXPECT_EQ(pieces, render_junit(run));
  EXPECT_GE(calls, 2u);
  std::size_t after_failure = 0;
  EXPECT_FALSE(render_junit(run, [&](std::string_view) {
    ++after_failure;
    return false;
  }));
  EXPECT_EQ(after_failure, 1u);  // nothing more is rendered once a write failed
}

}  // namespace
}  // namespace gpucert::reports

// Small helpers shared by the unit tests (not a test file itself: the glob takes test_*.cpp only).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "core/measurement.hpp"

namespace gpucert::testing_helpers {

// The ids of a suite's plan, in plan order.
inline std::vector<std::string> plan_ids(const std::vector<Measurement>& plan) {
  std::vector<std::string> ids;
  for (const auto& m : plan) ids.push_back(m.id);
  return ids;
}

// EXPECT_HAS(text, part): text contains part; on failure prints the whole text. Each argument is evaluated
// once, so a call that refuses a bad input can be written inline.
inline ::testing::AssertionResult contains(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected to find\n  \"" << part << "\"\nin\n  \"" << text << "\"";
}

// A fresh folder under the system's temporary one, removed with everything in it at the end of the scope.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    auto pattern = (std::filesystem::temp_directory_path() / "gpucert-test-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace gpucert::testing_helpers

#define EXPECT_HAS(text, part) EXPECT_TRUE(::gpucert::testing_helpers::contains((text), (part)))
#define EXPECT_LACKS(text, part) EXPECT_FALSE(::gpucert::testing_helpers::contains((text), (part)))

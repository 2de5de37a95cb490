// The skim of report.json's top level (reports/json_skim.hpp): dropped values become null whatever they hold,
// everything else is kept as it was, and the text may arrive in pieces split anywhere.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/json_skim.hpp"

namespace gpucert::reports {
namespace {

const std::string kReport = R"({"checks": [{"name": "a, \"b\": [", "ok": true}],
  "command": "gpucert run --suite \"x\" {y}",
  "results": [{"id": "r1", "details": {"s": "]}\\", "n": [1, [2, {"results": 3}]]}}, {"id": "r2"}],
  "nested": {"results": [1, 2], "keep": "results"},
  "ranks": [], "started": "2026-12-06T00:00:00Z", "peers": {"suspects": []}})";

nlohmann::json skim(std::size_t piece, std::set<std::string, std::less<>> dropped) {
  JsonSkim s(std::move(dropped));
  for (std::size_t at = 0; at < kReport.size(); at += piece) s.feed(std::string_view(kReport).substr(at, piece));
  return nlohmann::json::parse(s.kept());
}

TEST(JsonSkim, DroppedTopLevelValuesBecomeNullAndTheRestIsKept) {
  auto expected = nlohmann::json::parse(kReport);
  expected["results"] = nullptr;
  expected["checks"] = nullptr;
  expected["peers"] = nullptr;
  for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}, kReport.size()})
    EXPECT_EQ(skim(piece, {"results", "checks", "peers"}), expected) << "pieces of " << piece;
}

TEST(JsonSkim, OnlyTopLevelKeysAreDropped) {
  const auto j = skim(5, {"results", "keep"});
  EXPECT_EQ(j["nested"]["results"], (nlohmann::json{1, 2}));
  EXPECT_EQ(j["nested"]["keep"], "results");
  EXPECT_TRUE(j["results"].is_null());
  EXPECT_EQ(j["command"], "gpucert run --suite \"x\" {y}");
}

TEST(JsonSkim, MalformedTextStaysMalformed) {
  JsonSkim s({"results"});
  s.feed(R"({"results": [1, 2, "started": "x"})");
  EXPECT_TRUE(nlohmann::json::parse(s.kept(), nullptr, false).is_discarded());
}

}  // namespace
}  // namespace gpucert::reports

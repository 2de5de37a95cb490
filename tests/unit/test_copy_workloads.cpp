// The copy workloads added as one folder each (kernels/peer_copy, kernels/host_copy_all): what a suite item expands
// into, what it asks of device memory, and how the reports take their physical limit. Their kernels run in
// tests/gpu.
#include <gtest/gtest.h>

#include "core/derived_floors.hpp"
#include "core/device_memory.hpp"
#include "core/suite.hpp"
#include "reports/chart_data.hpp"
#include "report_fixtures.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

using testing_helpers::plan_ids;

Outcome<Suite> suite_of(const std::string& item) {
  return parse_suite(R"({"schema_version": 1, "name": "copies", "items": [)" + item + "]}", "copies.json");
}

TEST(PeerCopySpec, ExpandsEveryEngineAndDirectionAndCountsBothDirectionsBytes) {
  const auto suite = suite_of(R"({"workload": "peer_copy", "bytes": 1048576})");
  ASSERT_TRUE(suite) << suite.error().message;
  EXPECT_EQ(plan_ids(suite->plan), (std::vector<std::string>{"peer_copy/ce/uni/1MiB", "peer_copy/ce/bi/1MiB",
                                                             "peer_copy/sm/uni/1MiB", "peer_copy/sm/bi/1MiB"}));
  EXPECT_EQ(suite->plan[0].work, 1048576u);
  EXPECT_EQ(suite->plan[1].work, 2 * 1048576u);
  EXPECT_EQ(suite->plan[1].params["engine"], "ce");
  EXPECT_EQ(suite->plan[1].params["direction"], "bi");
}

TEST(PeerCopySpec, RefusesAnUnknownEngineAndATinyCopy) {
  const auto engine = suite_of(R"({"workload": "peer_copy", "engines": ["dma"]})");
  ASSERT_FALSE(engine);
  EXPECT_HAS(engine.error().message, "items[0].engines");
  const auto tiny = suite_of(R"({"workload": "peer_copy", "bytes": 16})");
  ASSERT_FALSE(tiny);
  EXPECT_HAS(tiny.error().message, "items[0].bytes");
}

TEST(PeerCopySpec, NeedsASourceAndATargetOnEveryGpu) {
  EXPECT_EQ(device_bytes_needed("peer_copy", {{"engine", "ce"}, {"direction", "uni"}, {"bytes", 1000}}), 2u * 992 + 8);
  EXPECT_EQ(device_bytes_needed("peer_copy", nlohmann::json::object()), std::nullopt);
}

TEST(HostCopyAllSpec, ExpandsBothDirectionsPerGpu) {
  const auto suite = suite_of(R"({"workload": "host_copy_all", "directions": ["d2h"], "bytes": 4096})");
  ASSERT_TRUE(suite) << suite.error().message;
  EXPECT_EQ(plan_ids(suite->plan), std::vector<std::string>{"host_copy_all/d2h/4KiB"});
  EXPECT_EQ(suite->plan[0].work, 4096u);
  EXPECT_EQ(device_bytes_needed("host_copy_all", suite->plan[0].params), 4096u + 8);
}

// A copy's fraction of peak divides by the limit its kernel recorded; without one the report shows none.
TEST(CopyWorkloadReports, TheFractionOfPeakIsOverTheLinkLimitTheKernelRecorded) {
  RunRecord run;
  Measurement m;
  m.id = "peer_copy/ce/uni/1MiB";
  m.workload = "peer_copy";
  m.params = {{"engine", "ce"}, {"direction", "uni"}, {"bytes", 1048576}};
  m.repetitions = 2;
  m.work = 1048576;
  RunReply reply;
  reply.status = RunStatus::Ok;
  reply.samples_s = {1048576 / 300e9, 1048576 / 300e9};
  reply.details = {{"limit_gbps", 450.0}};
  auto record = make_record(m, fixtures::placement(0, "node-a"), reply);
  EXPECT_DOUBLE_EQ(*reports::physical_limit_gbps(run, record), 450.0);
  run.results.push_back(record);
  const auto charts = reports::workload_charts(run);
  ASSERT_EQ(charts.size(), 1u);
  EXPECT_EQ(charts[0].workload, "peer_copy");
  const auto* bars = std::get_if<reports::BarChart>(&charts[0].chart);
  ASSERT_NE(bars, nullptr);
  EXPECT_EQ(bars->categories, std::vector<std::string>{"ce/uni"});
  record.reply.details = nlohmann::json::object();
  EXPECT_FALSE(reports::physical_limit_gbps(run, record).has_value());
}

// A GPU model without floors in the table is still judged on its links: a pair below 70% of the limit fails.
TEST(CopyWorkloadFloors, APeerCopyIsJudgedAgainstItsLinksLimit) {
  Measurement m;
  m.id = "peer_copy/sm/bi/256MiB";
  m.workload = "peer_copy";
  RunReply reply;
  reply.details = {{"limit_gbps", 900.0}, {"link", "nvswitch"}, {"link_evidence", "18 active NVLink(s)"}};
  ResultRecord r;
  r.measurement = m;
  r.reply = reply;
  const auto floor = link_floor(r);
  ASSERT_TRUE(floor.has_value());
  EXPECT_DOUBLE_EQ(floor->minimum, 0.70 * 900);
  EXPECT_TRUE(floor->derived);
  EXPECT_HAS(floor->source, "physical limit of its nvswitch");
  r.reply.details.erase("limit_gbps");
  EXPECT_FALSE(link_floor(r).has_value());
  // host_copy_all's share of a host shared by all GPUs has no healthy fraction: it is reported, not judged.
  r.measurement.workload = "host_copy_all";
  r.reply.details["limit_gbps"] = 63.0;
  EXPECT_FALSE(link_floor(r).has_value());
}

}  // namespace
}  // namespace gpucert

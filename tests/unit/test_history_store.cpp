// The SQLite history store (reports/history_store.hpp): runs go in, a node's figures come out over its runs,
// a run loaded again replaces itself.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core/conformance.hpp"
#include "core/simulated_cluster.hpp"
#include "reports/history_store.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

RunRecord small_run(const std::string& started, double node_factor) {
  const std::string path = std::string(GPUCERT_SOURCE_DIR) + "/suites/quick.json";
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  SimulatedCluster c;
  c.nodes = 2;
  c.gpus_per_node = 4;
  c.samples = 3;
  if (node_factor < 1) c.slow_nodes.push_back({1, node_factor});
  auto run = simulate_run(*parse_suite(text.str(), path), c);
  run.started = started;
  run.checks = conformance_checks(run, embedded_thresholds());
  return run;
}

TEST(HistoryStore, FollowsANodeOverItsRuns) {
  const auto file = std::filesystem::path(GPUCERT_BINARY_DIR) / "test-history.sqlite";
  std::filesystem::remove(file);
  auto store = reports::HistoryStore::open(file);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE(store->add(small_run("2026-11-01T00:00:00Z", 1.0), "week1"));
  ASSERT_TRUE(store->add(small_run("2026-11-08T00:00:00Z", 0.7), "week2"));
  // The same run again replaces itself.
  ASSERT_TRUE(store->add(small_run("2026-11-08T00:00:00Z", 0.7), "week2 again"));
  const auto runs = store->runs();
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[1].source, "week2 again");
  EXPECT_EQ((*runs)[1].ranks, 8);

  const auto rows = store->node_history("node-0001", "stream/triad/fp64");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 8u);  // 4 GPUs x 2 runs
  EXPECT_EQ((*rows)[0].started, "2026-11-01T00:00:00Z");
  EXPECT_EQ((*rows)[1].started, "2026-11-08T00:00:00Z");
  EXPECT_NEAR((*rows)[1].median / (*rows)[0].median, 0.7, 0.05);
  const auto text = reports::render_node_history("node-0001", *rows);
  EXPECT_HAS(text, "stream/triad/fp64/");
  EXPECT_HAS(text, "  0.7");
  EXPECT_TRUE(store->node_history("node-0000", "stream/triad/fp64")->size() == 8u);
  EXPECT_TRUE(store->node_history("no-such-node", "")->empty());
}

TEST(HistoryStore, RefusesAFileThatIsNoStore) {
  const auto file = std::filesystem::path(GPUCERT_BINARY_DIR) / "test-history-not-sqlite.txt";
  std::ofstream(file) << "this is not a database, just text long enough to be read as a header\n";
  const auto store = reports::HistoryStore::open(file);
  ASSERT_FALSE(store);
  EXPECT_HAS(store.error().message, "not a gpucert history store");
}

}  // namespace
}  // namespace gpucert

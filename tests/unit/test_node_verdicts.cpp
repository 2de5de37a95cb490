// Node verdicts (core/node_verdicts.hpp) and the cluster parts of the reports (reports/cluster_sections.hpp):
// which nodes fail and why, the files a scheduler reads, and the suspects at the top of report.md/.html.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/conformance.hpp"
#include "core/node_verdicts.hpp"
#include "core/simulated_cluster.hpp"
#include "reports/cluster_sections.hpp"
#include "reports/html_report.hpp"
#include "reports/markdown_report.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

Suite acceptance() {
  const std::string path = std::string(GPUCERT_SOURCE_DIR) + "/suites/acceptance.json";
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return *parse_suite(text.str(), path);
}

RunRecord planted_run() {
  SimulatedCluster c;
  c.nodes = 8;
  c.samples = 3;
  c.slow_gpus.push_back({9, 0.6});      // node-0001
  c.slow_pairs.push_back({3, 4, 0.5});  // paired in the first round
  auto run = simulate_run(acceptance(), c);
  // node-0005's rank 42 lost its GPU.
  auto& lost = run.ranks[42];
  lost.usable = false;
  lost.problem = "cudaErrorNoDevice (100): no CUDA-capable device is detected";
  lost.placement.device = -1;
  for (auto& r : run.ranks)
    r.probe.environment = {{"SLURM_JOB_ID", "4242"},
                           {"SLURM_CLUSTER_NAME", "hopper"},
                           {"SLURM_JOB_PARTITION", "gpu"},
                           {"SLURM_JOB_NODELIST", "node-[0000-0007]"}};
  run.checks = conformance_checks(run, embedded_thresholds());
  return run;
}

const NodeVerdict& verdict_of(const std::vector<NodeVerdict>& verdicts, const std::string& host) {
  for (const auto& v : verdicts)
    if (v.host == host) return v;
  ADD_FAILURE() << "no verdict for " << host;
  return verdicts.front();
}

TEST(NodeVerdicts, EachNodeFailsForItsOwnReasonsOnly) {
  const auto run = planted_run();
  const auto verdicts = node_verdicts(run, find_outliers(run));
  ASSERT_EQ(verdicts.size(), 8u);
  EXPECT_EQ(verdicts[0].host, "node-0000");
  EXPECT_TRUE(verdict_of(verdicts, "node-0000").pass);
  EXPECT_TRUE(verdict_of(verdicts, "node-0000").reasons.empty());
  EXPECT_EQ(verdict_of(verdicts, "node-0000").ranks, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));

  const auto& gpu = verdict_of(verdicts, "node-0001");
  EXPECT_FALSE(gpu.pass);
  ASSERT_FALSE(gpu.reasons.empty());
  EXPECT_HAS(gpu.reasons.front(), "rank 9 (node-0001, GPU 1) is slower than its peers");

  for (const char* host : {"node-0003", "node-0004"}) {
    const auto& pair = verdict_of(verdicts, host);
    EXPECT_FALSE(pair.pass) << host;
    ASSERT_FALSE(pair.reasons.empty());
    EXPECT_HAS(pair.reasons.front(), std::string("NCCL to ") + (host[8] == '3' ? "node-0004" : "node-0003"));
  }
  const auto& lost = verdict_of(verdicts, "node-0005");
  EXPECT_FALSE(lost.pass);
  EXPECT_HAS(lost.reasons.front(), "rank 42 has no usable GPU: cudaErrorNoDevice");
  EXPECT_EQ(node_exit_code(verdicts), kExitCheckFailed);

  const auto text = failed_nodes_text(verdicts);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
  EXPECT_HAS(text, "node-0001\trank 9");
  EXPECT_LACKS(text, "node-0000");
}

TEST(NodeVerdicts, JsonNamesTheJobEveryNodeAndTheFailedOnes) {
  const auto run = planted_run();
  const auto j = to_json(run, node_verdicts(run, find_outliers(run)));
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["job"]["scheduler"], "slurm");
  EXPECT_EQ(j["job"]["job_id"], "4242");
  EXPECT_EQ(j["job"]["cluster"], "hopper");
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["nodes"].size(), 8u);
  EXPECT_EQ(j["nodes"][0]["verdict"], "pass");
  EXPECT_EQ(j["failed"], (nlohmann::json{"node-0001", "node-0003", "node-0004", "node-0005"}));
}

TEST(NodeVerdicts, ACleanClusterPassesAndARunWithoutRanksIsNotRun) {
  SimulatedCluster c;
  c.nodes = 4;
  c.samples = 3;
  auto run = simulate_run(acceptance(), c);
  run.checks = conformance_checks(run, embedded_thresholds());
  const auto verdicts = node_verdicts(run, find_outliers(run));
  EXPECT_EQ(node_exit_code(verdicts), kExitPassed);
  EXPECT_TRUE(failed_nodes_text(verdicts).empty());
  EXPECT_EQ(node_exit_code({}), kExitEnvironment);
  EXPECT_TRUE(scheduler_job(run).empty());
}

TEST(ClusterReports, SuspectsOpenReportMdAndHtml) {
  const auto run = planted_run();
  const auto md = reports::render_markdown(run);
  const auto suspects = md.find("## Suspects");
  ASSERT_NE(suspects, std::string::npos);
  EXPECT_LT(suspects, md.find("## Conformance"));
  // report.md escapes the brackets of the node list (markdown link syntax).
  EXPECT_HAS(md, "| Slurm job | 4242 (hopper, gpu), nodes node-\\[0000-0007\\] |");
  EXPECT_HAS(md, "1. **node pair node-0003 and node-0004**: up to 5");
  EXPECT_HAS(md, "2. **GPU rank 9 (node-0001, GPU 1)**: up to 4");
  EXPECT_HAS(md, "   - NCCL between the two nodes, nccl/all_reduce/");
  // The peer check fails the run, once per suspect.
  EXPECT_HAS(md, "| performance-peers | **2 fail** |");

  const auto html = reports::render_html(run);
  const auto section = html.find("<section id=\"suspects\">");
  ASSERT_NE(section, std::string::npos);
  EXPECT_LT(section, html.find("<section id=\"conformance\">"));
  EXPECT_HAS(html, "<dt>Slurm job</dt><dd>4242 (hopper, gpu), nodes node-[0000-0007]</dd>");
  EXPECT_HAS(html, "<strong>rank 9 (node-0001, GPU 1)</strong>: up to 4");
}

TEST(ClusterReports, ARunTooSmallForPeersSaysSo) {
  SimulatedCluster c;
  c.nodes = 1;
  c.gpus_per_node = 1;
  c.samples = 3;
  const auto run = simulate_run(acceptance(), c);
  EXPECT_HAS(reports::suspects_markdown(run), "Not judged against peers: ");
  EXPECT_HAS(reports::suspects_markdown(run), "fewer than 3 GPUs of one model");
  EXPECT_TRUE(performance_peer_checks(run).empty());
  EXPECT_FALSE(to_json(run).contains("peers"));
}

TEST(ClusterReports, AClusterGetsOneResultsRowPerMeasurement) {
  SimulatedCluster c;
  c.nodes = 9;  // 72 ranks: above kRanksWithResultRows
  c.samples = 3;
  c.slow_gpus.push_back({70, 0.5});
  auto run = simulate_run(acceptance(), c);
  run.results[5].reply.status = RunStatus::Failed;
  run.results[5].reply.message = "12 wrong of 268435456";
  ASSERT_TRUE(reports::results_by_measurement(run));
  const auto md = reports::render_markdown(run);
  EXPECT_HAS(md, "One row per measurement over the 72 ranks");
  EXPECT_HAS(md, "| gemm/fp16/8192x8192x8192 | 72 | 0 | ");
  EXPECT_HAS(md, " (70) | ");  // the slow GPU is the lowest of its GEMM rows
  EXPECT_HAS(md, "| **1** |");
  EXPECT_HAS(md, "- `" + run.results[5].measurement.id + "` on rank 5 (node-0000): failed, 12 wrong of 268435456");
  EXPECT_LACKS(md, "| Measurement | Rank | Status |");
  const auto html = reports::render_html(run);
  EXPECT_HAS(html, "One row per measurement over the 72 ranks");
  EXPECT_HAS(html, "<th>Median over ranks</th>");
  // A rank count up to the limit keeps a row per result.
  c.nodes = 8;
  EXPECT_FALSE(reports::results_by_measurement(simulate_run(acceptance(), c)));
}

TEST(ClusterReports, NodeVerdictFilesAreWritten) {
  const auto run = planted_run();
  const auto dir = std::filesystem::path(GPUCERT_BINARY_DIR) / "test-node-verdicts";
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(reports::write_node_verdicts(run, dir));
  std::ifstream json(dir / "nodes.json"), text(dir / "failed-nodes.txt");
  const auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["failed"].size(), 4u);
  std::string first;
  std::getline(text, first);
  EXPECT_EQ(first.substr(0, first.find('\t')), "node-0001");
}

}  // namespace
}  // namespace gpucert

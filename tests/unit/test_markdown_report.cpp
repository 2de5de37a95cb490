// Golden files of the reports a person and a CI system read: report.md (byte for byte) and report.json
// (parsed, number by number), rendered from fixed run records built here in code: report.json's from
// fixed_run(), report.md's from the same run with a container environment, an NCCL result and the checks.
//
// When a change to a report is intended, regenerate the golden files and review the diff like code:
//
//   GPUCERT_UPDATE_GOLDEN=1 build/bin/gpucert_unit_tests --gtest_filter='*Golden*'
//   git diff tests/unit/golden/
//
// On a mismatch (without GPUCERT_UPDATE_GOLDEN) the test writes what it rendered under
// <build>/golden-actual/ and prints the path, so `diff` shows what changed.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/conformance.hpp"
#include "core/doctor.hpp"
#include "core/run_record.hpp"
#include "flavor_fixtures.hpp"
#include "reports/markdown_report.hpp"
#include "reports/report_files.hpp"
#include "report_fixtures.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

namespace fs = std::filesystem;

const fs::path kGoldenDir = fs::path(GPUCERT_SOURCE_DIR) / "tests" / "unit" / "golden";
const fs::path kActualDir = fs::path(GPUCERT_BINARY_DIR) / "golden-actual";

bool updating_golden() {
  const char* v = std::getenv("GPUCERT_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// ---------------------------------------------------------------------------------------------------------
// The fixed run: two ranks on two hosts. Rank 0 has an H100 and ran three measurements (one passed, one
// failed with a message holding a '|' and a line break, one unavailable); rank 1 has no driver library.

// The golden run shares its GPU and its unusable rank with the other report tests.
DeviceInfo h100() { return fixtures::h100(); }

RankRecord usable_rank() {
  RankRecord r;
  r.placement = {0, 0, "node-a", 0, "NVIDIA H100 80GB HBM3", "GPU-5d3b7c2a-9f1e-4b6d-8a2c-0e4f6a8b1c3d"};
  auto& p = r.probe;
  p.hostname = "node-a";
  p.worker_version = "0.1.0";
  p.cuda_build_version = 13000;
  p.driver_version = 13000;
  p.driver_release = "580.95.05";
  p.runtime_version = 13000;
  p.devices = {h100()};
  p.libcuda = {"libcuda.so.1", true, "/usr/lib/x86_64-linux-gnu/libcuda.so.1", ""};
  p.device_nodes = {"/dev/nvidia-uvm", "/dev/nvidia0", "/dev/nvidiactl"};
  p.environment = {{"CUDA_VISIBLE_DEVICES", "0"}};
  p.workloads = {{"stream", true, "worker", "built into gpucert-worker"},
                 {"gemm", false, "libgpucert-gemm.so",
                  "libcublasLt.so.13: cannot open shared object file: No such file or directory"}};
  r.usable = true;
  r.diagnoses = diagnose(p);
  return r;
}

RankRecord unusable_rank() { return fixtures::unusable_rank(1, "node-b"); }

Placement rank0() { return {0, 0, "node-a", 0, "NVIDIA H100 80GB HBM3", "GPU-5d3b7c2a-9f1e-4b6d-8a2c-0e4f6a8b1c3d"}; }

ResultRecord passing_triad() {
  Measurement m;
  m.id = "stream/triad/fp64/2GiB";
  m.workload = "stream";
  m.params = {{"kernel", "triad"}, {"precision", "fp64"}, {"elements", 268435456}};
  m.warmup = 3;
  m.repetitions = 5;
  m.work = 6ull * 1024 * 1024 * 1024;
  m.metric = Metric::Bandwidth;
  RunReply reply;
  reply.status = RunStatus::Ok;
  reply.samples_s = {2.0e-3, 2.1e-3, 1.95e-3, 2.05e-3, 2.2e-3};
  reply.verification = {true, 805306368, 0, 0.0, 0.0, "exact: closed form of the BabelStream recurrence"};
  return make_record(m, rank0(), reply);
}

ResultRecord failing_dot() {
  Measurement m;
  m.id = "stream/dot/fp32/2GiB";
  m.workload = "stream";
  m.params = {{"kernel", "dot"}, {"precision", "fp32"}, {"elements", 536870912}};
  m.warmup = 3;
  m.repetitions = 3;
  m.work = 4ull * 1024 * 1024 * 1024;
  m.metric = Metric::Bandwidth;
  RunReply reply;
  reply.status = RunStatus::Failed;
  reply.samples_s = {1.4e-3, 1.5e-3, 1.45e-3};
  reply.verification = {false, 1, 1, 2.5e-3, 1e-6, "against a double-precision sum on the host"};
  reply.message = "dot = 1.0737e+09 | reference = 1.0710e+09\nrelative error 2.5e-03 exceeds 1e-06";
  return make_record(m, rank0(), reply);
}

ResultRecord unavailable_gemm() {
  Measurement m;
  m.id = "gemm/fp16/4096x4096x4096";
  m.workload = "gemm";
  m.params = {{"precision", "fp16"}, {"m", 4096}, {"n", 4096}, {"k", 4096}};
  m.warmup = 3;
  m.repetitions = 20;
  m.work = 2ull * 4096 * 4096 * 4096;
  m.metric = Metric::Throughput;
  RunReply reply;
  reply.status = RunStatus::Unavailable;
  reply.message = "libcublasLt.so.13: cannot open shared object file: No such file or directory";
  return make_record(m, rank0(), reply);
}

RunRecord fixed_run() {
  RunRecord run;
  run.build = {"0.1.0", "07b2471", 13000, "90"};
  run.suite_name = "quick";
  run.suite_source = "embedded:quick";
  run.started = "2026-03-02T09:15:00Z";
  run.finished = "2026-03-02T09:15:42Z";
  run.command = "mpirun -np 2 gpucert run --suite quick --out gpucert-out";
  run.ranks = {usable_rank(), unusable_rank()};
  run.results = {passing_triad(), failing_dot(), unavailable_gemm()};
  return run;
}

// all_reduce of 64 MiB over `nranks` ranks at an algorithm bandwidth of `algbw_gbps`.
ResultRecord nccl_all_reduce(int nranks, double algbw_gbps, const Placement& where) {
  Measurement m;
  m.id = "nccl/all_reduce/fp32/64MiB";
  m.workload = "nccl";
  m.params = {{"collective", "all_reduce"}, {"precision", "fp32"}, {"bytes", 64ull << 20}};
  m.warmup = 3;
  m.repetitions = 3;
  m.work = 64ull << 20;
  m.metric = Metric::Bandwidth;
  RunReply reply;
  reply.status = RunStatus::Ok;
  const double t = static_cast<double>(64ull << 20) / (algbw_gbps * 1e9);
  reply.samples_s = {t * 0.99, t, t * 1.01};
  reply.verification = {true, 16777216, 0, 0.0, 0.0, "exact sum of small integers"};
  reply.details = {{"nranks", nranks}};
  return make_record(m, where, reply);
}

// report.md's golden run: fixed_run() with the `runtime` flavour under podman (rank 0 usable there, rank 1
// not, as natively), the triad again in the container 2% slower, an all_reduce natively and in the
// container, and the conformance checks derived from all of it (no performance floors, the tests' own
// flavour catalogue) so that report.md shows the matrix, the checks that did not pass and the parity table.
RunRecord markdown_run() {
  auto run = fixed_run();
  auto env = flavor_fixtures::environment("runtime");
  env.ranks.push_back(unusable_rank());
  run.environments = {env};
  auto slower = passing_triad();
  slower.reply.samples_s = {2.0e-3 / 0.98, 2.1e-3 / 0.98, 1.95e-3 / 0.98, 2.05e-3 / 0.98, 2.2e-3 / 0.98};
  slower = make_record(slower.measurement, slower.placement, slower.reply);
  slower.environment = "runtime";
  auto nccl = nccl_all_reduce(2, 300.0, rank0());
  auto nccl_container = nccl_all_reduce(2, 299.0, rank0());
  nccl_container.environment = "runtime";
  run.results.insert(run.results.begin() + 1, slower);
  run.results.push_back(nccl);
  run.results.push_back(nccl_container);
  const auto flavors = flavor_fixtures::catalog();
  Thresholds no_floors;
  no_floors.source = "no-floors.json";
  run.checks = conformance_checks(run, no_floors, ConformanceContext{&flavors, "amd64", kDefaultParityThreshold});
  return run;
}

// The lines of `md` from the one that starts with `heading` up to the next blank line.
std::string section(const std::string& md, const std::string& heading) {
  const auto start = md.find(heading);
  if (start == std::string::npos) return {};
  const auto end = md.find("\n\n", md.find("\n\n", start) + 2);
  return md.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// ---------------------------------------------------------------------------------------------------------
// Comparison of JSON: same structure, same strings, numbers equal to 1e-12 relative. Returns the JSON
// pointer of the first difference, or an empty string.

std::string first_difference(const nlohmann::json& a, const nlohmann::json& b, const std::string& at = "") {
  const std::string here = at.empty() ? "/" : at;
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    if (x == y || std::fabs(x - y) <= 1e-12 * std::max(std::fabs(x), std::fabs(y))) return {};
    return here + ": " + a.dump() + " vs " + b.dump();
  }
  if (a.type() != b.type()) return here + ": " + a.dump().substr(0, 80) + " vs " + b.dump().substr(0, 80);
  if (a.is_object()) {
    for (const auto& [key, value] : a.items()) {
      if (!b.contains(key)) return at + "/" + key + ": only in the rendered report";
      if (auto d = first_difference(value, b.at(key), at + "/" + key); !d.empty()) return d;
    }
    for (const auto& [key, value] : b.items())
      if (!a.contains(key)) return at + "/" + key + ": only in the golden file";
    return {};
  }
  if (a.is_array()) {
    if (a.size() != b.size())
      return here + ": " + std::to_string(a.size()) + " elements vs " + std::to_string(b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      if (auto d = first_difference(a[i], b[i], at + "/" + std::to_string(i)); !d.empty()) return d;
    return {};
  }
  return a == b ? std::string{} : here + ": " + a.dump().substr(0, 80) + " vs " + b.dump().substr(0, 80);
}

// A fresh folder for write_reports, removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() : path_(fs::path(GPUCERT_BINARY_DIR) / ("unit-reports-" + std::to_string(getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// ---------------------------------------------------------------------------------------------------------

TEST(MarkdownReport, FixedRunIsWhatWeExpect) {
  // The golden files assume this run; if these change, the goldens are about another run.
  const auto run = fixed_run();
  EXPECT_EQ(run.exit_code(), kExitEnvironment);
  ASSERT_EQ(run.ranks[1].diagnoses.size(), 2u);
  EXPECT_EQ(run.ranks[1].diagnoses[0].cause, "libcuda-missing");
  EXPECT_EQ(run.ranks[1].diagnoses[1].cause, "no-device-nodes");
  EXPECT_TRUE(run.ranks[0].diagnoses.empty());
}

TEST(MarkdownReport, MatchesGolden) {
  const auto rendered = reports::render_markdown(markdown_run());
  const auto golden_path = kGoldenDir / "report.md";
  if (updating_golden()) {
    write_text(golden_path, rendered);
    GTEST_SKIP() << "GPUCERT_UPDATE_GOLDEN=1: rewrote " << golden_path << "; review it with git diff";
  }
  ASSERT_TRUE(fs::exists(golden_path)) << golden_path << " is missing; create it with GPUCERT_UPDATE_GOLDEN=1";
  const auto golden = read_text(golden_path);
  if (rendered != golden) {
    const auto actual_path = kActualDir / "report.md";
    write_text(actual_path, rendered);
    ADD_FAILURE() << "report.md differs from the golden file.\n  golden:   " << golden_path.string()
                  << "\n  rendered: " << actual_path.string() << "\n  diff -u " << golden_path.string() << " "
                  << actual_path.string() << "\nIf the change is intended, rerun with GPUCERT_UPDATE_GOLDEN=1.";
  }
}

TEST(MarkdownReport, OutsideTextCannotBreakATableRow) {
  auto run = markdown_run();
  run.environments[0].image = "registry.example/a|b:1";
  run.environments[0].name = "pipe|env";
  for (auto& r : run.results)
    if (r.environment == "runtime") r.environment = "pipe|env";
  for (auto& c : run.checks)
    if (c.environment == "runtime") c.environment = "pipe|env";
  const auto md = reports::render_markdown(run);
  EXPECT_HAS(md, "| pipe\\|env | podman | registry.example/a\\|b:1 | runtime | 1 of 2 |");
  EXPECT_HAS(md, "| Check | native | pipe\\|env |");
  // The failed result's message holds a '|' and a line break: escaped and folded into one line.
  EXPECT_HAS(md, "dot = 1.0737e+09 \\| reference = 1.0710e+09 relative error 2.5e-03 exceeds 1e-06");
  EXPECT_LACKS(md, "1.0710e+09\nrelative");
  // Every table row has as many unescaped '|' as its header.
  std::istringstream lines(md);
  std::string line;
  std::size_t columns = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '|') {
      columns = 0;
      continue;
    }
    std::size_t pipes = 0;
    for (std::size_t i = 0; i < line.size(); ++i)
      if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++pipes;
    if (columns == 0) columns = pipes;
    EXPECT_EQ(pipes, columns) << "a row with a different number of cells: " << line;
  }
}

TEST(MarkdownReport, MarkdownCellEscapesPipesAndFoldsLineBreaks) {
  EXPECT_EQ(reports::markdown_cell("a|b"), "a\\|b");
  EXPECT_EQ(reports::markdown_cell("line one\nline two"), "line one line two");
  EXPECT_EQ(reports::markdown_cell("crlf\r\nend"), "crlf  end");
  EXPECT_EQ(reports::markdown_cell("plain"), "plain");
  EXPECT_EQ(reports::markdown_cell(""), "");
}

TEST(MarkdownReport, SaysWhyAndHowToFix) {
  const auto md = reports::render_markdown(fixed_run());
  EXPECT_HAS(md, "**NOT RUN**");
  EXPECT_HAS(md, "(exit code 3)");
  EXPECT_HAS(md, "## Ranks that could not run");
  EXPECT_HAS(md, "Why CUDA is not available:");
  EXPECT_HAS(md, "### Rank 1 on node-b");
  EXPECT_HAS(md, "(`libcuda-missing`)");
  EXPECT_HAS(md, "(`no-device-nodes`)");
  EXPECT_HAS(md, "Fix: install the NVIDIA driver");
  EXPECT_LACKS(md, "### Rank 0 on node-a");  // the usable rank needs no diagnosis
  // The unavailable workload's loader message is the evidence, in the notes.
  EXPECT_HAS(md, "`gemm/fp16/4096x4096x4096` on rank 0 (unavailable): libcublasLt.so.13: cannot open shared object");
}

TEST(MarkdownReport, CommandsInDiagnosesStayCopyable) {
  // Outside a table a backslash inside `code` is printed as is: a fix's `dmesg | grep` must keep its bare
  // pipe, or the reader copies a broken command.
  auto run = fixed_run();
  auto& probe = run.ranks[1].probe;
  probe.cuda_error = CudaErrorInfo{999, "cudaErrorUnknown", "unknown error", "cudaGetDeviceCount"};
  probe.libcuda = {"libcuda.so.1", true, "/usr/lib/x86_64-linux-gnu/libcuda.so.1", ""};
  probe.device_nodes = {"/dev/nvidia0", "/dev/nvidiactl"};
  run.ranks[1].diagnoses = diagnose(probe);
  ASSERT_EQ(run.ranks[1].diagnoses.at(0).cause, "cuda-error");
  const auto md = reports::render_markdown(run);
  EXPECT_HAS(md, "`dmesg | grep -i nvrm`");
  EXPECT_LACKS(md, "dmesg \\|");
}

TEST(MarkdownReport, ContainerRunHasEnvironmentsConformanceAndParity) {
  const auto md = reports::render_markdown(markdown_run());
  // The environments, each with its runtime, image, flavour and usable ranks.
  EXPECT_HAS(md, "## Container environments\n\n| Name | Runtime | Image | Flavor | Ranks usable |\n");
  EXPECT_HAS(md, "| runtime | podman | localhost/gpucert/cuda:13.0.2-runtime-ubuntu24.04 | runtime | 1 of 2 |");
  // Native and container rows of one measurement tell where they ran.
  EXPECT_HAS(md, "| Measurement | Environment | Rank | Status |");
  EXPECT_HAS(md, "| stream/triad/fp64/2GiB | native | 0 | ok | 3142.7 GB/s |");
  EXPECT_HAS(md, "| stream/triad/fp64/2GiB | runtime | 0 | ok | 3079.8 GB/s |");
  // Checks × environments, native first; a check that did not run somewhere says so.
  const auto matrix = section(md, "## Conformance");
  EXPECT_HAS(matrix, "| Check | native | runtime |\n|---|---|---|\n");
  EXPECT_HAS(matrix, "| gpu-visible | **1 fail**, 1 pass | **1 fail**, 1 pass |");
  EXPECT_HAS(matrix, "| library-inventory | not checked |");
  EXPECT_HAS(matrix, "| results-verified | **1 fail**, 1 waived | 1 pass |");
  // The checks that did not pass, failures first, with evidence, diagnosis and fix.
  const auto failed = md.find("### Checks that did not pass");
  ASSERT_NE(failed, std::string::npos);
  EXPECT_HAS(md, "- **fail** `results-verified` in native, rank 0: ");
  EXPECT_HAS(md, "- **fail** `gpu-visible` in runtime, rank 1: ");
  EXPECT_HAS(md, "  - Fix: ");
  EXPECT_HAS(md, "- **waived** `exclusive-use` in native");
  EXPECT_LT(md.find("- **fail**", failed), md.find("- **waived**", failed));
  EXPECT_LACKS(md.substr(failed, md.find("## GPUs") - failed), "**pass**");
  EXPECT_HAS(md, "check(s) passed; report.html and junit.xml give the evidence of each.");
  // Container/native parity per environment and workload.
  EXPECT_HAS(md, "## Container/native parity\n\n| Environment | Workload | Ratio | 95% interval | Pairs | Verdict |");
  EXPECT_HAS(md, "| runtime | stream | 0.980 | ");
  EXPECT_HAS(md, "| 1 | pass |");
  // A result's note names the container it ran in.
  auto run = markdown_run();
  run.results[1].reply.status = RunStatus::Unavailable;
  run.results[1].reply.message = "libcublasLt.so.13: cannot open shared object file";
  EXPECT_HAS(reports::render_markdown(run), "`stream/triad/fp64/2GiB` on rank 0 in runtime (unavailable)");
}

TEST(MarkdownReport, ParityVerdictComesFromTheCheck) {
  auto run = markdown_run();
  for (auto& c : run.checks)
    if (c.name == "performance-parity" && c.subject == "stream") c.verdict = Verdict::Fail;
  EXPECT_HAS(reports::render_markdown(run), "| runtime | stream | 0.980 | ");
  EXPECT_HAS(reports::render_markdown(run), "| 1 | **fail** |");
  run.checks.clear();
  const auto md = reports::render_markdown(run);
  EXPECT_HAS(md, "| 1 | not checked |");
  EXPECT_LACKS(md, "## Conformance");
}

TEST(MarkdownReport, NcclRowsGiveBusBandwidth) {
  auto run = fixed_run();
  run.ranks.pop_back();
  // Over 8 ranks all_reduce's busbw is 2(n-1)/n = 1.75 times its algorithm bandwidth.
  run.results = {nccl_all_reduce(8, 200.0, rank0())};
  ASSERT_TRUE(run.results[0].bus_figures.has_value());
  const auto md = reports::render_markdown(run);
  EXPECT_HAS(md, "| nccl/all_reduce/fp32/64MiB | 0 | ok | 350.0 GB/s busbw | ");
  EXPECT_LACKS(md, "200.0 GB/s");
  EXPECT_HAS(md, "NCCL rows give nccl-tests' bus bandwidth (busbw)");
  EXPECT_LACKS(reports::render_markdown(fixed_run()), "busbw");
}

TEST(MarkdownReport, NativeRunKeepsItsTables) {
  // Without containers nothing about them appears: no Environment column, no environments, no parity.
  const auto md = reports::render_markdown(fixed_run());
  EXPECT_HAS(md,
             "| Measurement | Rank | Status | Median | Best | CV | Fraction of peak | Verification |\n"
             "|---|---:|---|---:|---:|---:|---:|---|\n");
  EXPECT_LACKS(md, "Environment");
  EXPECT_LACKS(md, "## Container");
  EXPECT_LACKS(md, "## Conformance");  // no checks in this record
  // Native checks alone give a one-column matrix.
  auto checked = fixed_run();
  checked.checks = conformance_checks(checked, Thresholds{});
  const auto with_checks = reports::render_markdown(checked);
  EXPECT_HAS(with_checks, "| Check | native |\n|---|---|\n| gpu-visible | **1 fail**, 1 pass |\n");
  EXPECT_LACKS(with_checks, "| Measurement | Environment |");
}

TEST(MarkdownReport, PassingRunSaysPassed) {
  auto run = fixed_run();
  run.ranks.pop_back();
  run.results = {passing_triad()};
  const auto md = reports::render_markdown(run);
  EXPECT_HAS(md, "**PASSED**: all 1 result(s) passed on 1 rank(s) (exit code 0)");
  EXPECT_LACKS(md, "Why CUDA is not available");
  EXPECT_LACKS(md, "Notes on results");
  // 6 GiB in a median 2.05 ms: 3142.7 GB/s, 93.7% of the H100's 3352 GB/s.
  EXPECT_HAS(md, "| stream/triad/fp64/2GiB | 0 | ok | 3142.7 GB/s | 3303.8 GB/s |");
  EXPECT_HAS(md, "| 93.7% |");
}

TEST(MarkdownReport, FailingRunSaysFailed) {
  auto run = fixed_run();
  run.ranks.pop_back();
  const auto md = reports::render_markdown(run);
  EXPECT_HAS(md, "**FAILED**: 1 of 3 result(s) failed (exit code 1)");
  EXPECT_HAS(md, "| **failed** |");
}

TEST(JsonReport, WriteReportsMatchesGolden) {
  ScratchDir dir;
  const auto run = fixed_run();
  const auto status = reports::write_reports(run, dir.path());
  ASSERT_TRUE(status.ok()) << status.error().message;

  // Both files are there, whole, and no temporary file is left behind.
  EXPECT_EQ(read_text(dir.path() / "report.md"), reports::render_markdown(run));
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();

  const auto text = read_text(dir.path() / "report.json");
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const auto rendered = nlohmann::json::parse(text);
  EXPECT_EQ(rendered.at("schema_version"), kReportSchemaVersion);

  const auto golden_path = kGoldenDir / "report.json";
  if (updating_golden()) {
    write_text(golden_path, text);
    GTEST_SKIP() << "GPUCERT_UPDATE_GOLDEN=1: rewrote " << golden_path << "; review it with git diff";
  }
  ASSERT_TRUE(fs::exists(golden_path)) << golden_path << " is missing; create it with GPUCERT_UPDATE_GOLDEN=1";
  const auto golden = nlohmann::json::parse(read_text(golden_path));
  if (const auto difference = first_difference(rendered, golden); !difference.empty()) {
    const auto actual_path = kActualDir / "report.json";
    write_text(actual_path, text);
    ADD_FAILURE() << "report.json differs from the golden file at " << difference
                  << "\n  golden:   " << golden_path.string() << "\n  rendered: " << actual_path.string()
                  << "\nIf the change is intended, rerun with GPUCERT_UPDATE_GOLDEN=1.";
  }
}

TEST(JsonReport, GoldenReadsBackIntoTheSameRecords) {
  // What report.json holds is enough to rebuild every result and rank record it was written from.
  const auto run = fixed_run();
  const auto j = to_json(run);
  ASSERT_EQ(j.at("results").size(), run.results.size());
  for (std::size_t i = 0; i < run.results.size(); ++i) {
    auto back = result_from_json(j.at("results")[i]);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(to_json(*back), j.at("results")[i]);
  }
  for (std::size_t i = 0; i < run.ranks.size(); ++i) {
    auto back = rank_record_from_json(j.at("ranks")[i]);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(to_json(*back), j.at("ranks")[i]);
  }
}

TEST(JsonReport, WriteReportsIntoMissingFolderFailsWithThePath) {
  const auto missing = fs::path(GPUCERT_BINARY_DIR) / "no-such-folder-for-reports" / "deeper";
  const auto status = reports::write_reports(fixed_run(), missing);
  ASSERT_FALSE(status.ok());
  EXPECT_HAS(status.error().message, "cannot write");
  EXPECT_HAS(status.error().message, (missing / "report.json.tmp").string());
}

}  // namespace
}  // namespace gpucert

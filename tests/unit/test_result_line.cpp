// result_line.hpp: the record's line written byte for byte as to_json(r).dump() writes it, and read as
// result_from_json reads it, or left to result_from_json. Each test compares with the nlohmann path itself.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/heap_optional.hpp"
#include "core/result_line.hpp"

namespace gpucert {
namespace {

std::string slow_line(const ResultRecord& r) {
  return to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string fast_line(const ResultRecord& r) {
  std::string out;
  append_result_line(out, r);
  return out;
}

// What the nlohmann path reads from a line: nullopt where it refuses it.
std::optional<ResultRecord> slow_read(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  auto record = result_from_json(std::move(j));
  if (!record) return std::nullopt;
  return std::move(*record);
}

MeasurementTelemetry telemetry() {
  MeasurementTelemetry t;
  t.available = true;
  t.period_s = 0.005;
  t.duration_s = 0.02;
  t.samples.push_back({0.0, 1980, 2619, 690.5, 61, 100, 80, 4});
  t.clock_events_seen = 4;
  t.violation_ns = {{"power", 4'000'000}};
  t.power_limit_w = 700;
  t.pcie_gen = 5;
  t.processes_read = true;
  t.worker_pid = 4242;
  return t;
}

Measurement measurement(const std::string& workload) {
  Measurement m;
  m.workload = workload;
  m.warmup = 10;
  m.repetitions = 3;
  if (workload == "nccl") {
    m.id = "nccl/all_reduce/fp32/64MiB/per_pair/round1";
    m.work = 64ull << 20;
    m.params = {{"collective", "all_reduce"},
                {"precision", "fp32"},
                {"bytes", 64ull << 20},
                {"graph", false},
                {"in_place", false},
                {"iterations", 20},
                {"reduction", "sum"},
                {"root", 0},
                {"split", {{"group", "g"}, {"round", 1}, {"rounds", 3}, {"scope", "pair"}}}};
  } else {
    m.id = "gemm/fp16/8192x8192x8192";
    m.work = 2ull * 8192 * 8192 * 8192;
    m.metric = Metric::Throughput;
    m.params = {{"precision", "fp16"},
                {"m", 8192},
                {"n", 8192},
                {"k", 8192},
                {"alpha", 1.5},
                {"neg", -3},
                {"list", {1, 2.25, nullptr, "x", true}},
                {"tiny", 5e-324},
                {"big", 1.7976931348623157e308}};
  }
  return m;
}

// Records of every shape a line takes: samples or a gathered summary, NCCL's bus figures, telemetry, earlier
// attempts, a run id, statuses without figures, and text that needs escaping or is not UTF-8.
std::vector<ResultRecord> records() {
  std::vector<ResultRecord> out;
  Placement p{3, 1, "node-0003", 1, "NVIDIA H100 80GB HBM3", "GPU-5e1a7ed0-0000-0001-0000-000000000001"};
  RunReply ok;
  ok.status = RunStatus::Ok;
  ok.samples_s = {0.0028, 0.0029, 0.00281};
  ok.verification = {true, 1 << 20, 0, 1.5e-7, 1e-3, "fp64 reference"};
  out.push_back(make_record(measurement("gemm"), p, ok));

  RunReply nccl = ok;
  nccl.details = {
      {"nranks", 16},
      {"communicator", {{"group", "g"}, {"hosts", {"node-0003", "node-1020"}}, {"round", 1}, {"scope", "pair"}}}};
  nccl.telemetry = telemetry();
  auto with_bus = make_record(measurement("nccl"), p, nccl);
  with_bus.run_id = "00000000000000aa";
  with_bus.earlier_attempts = {{{"status", "crashed"}, {"message", "worker died"}}};
  out.push_back(with_bus);

  // A gathered summary: no samples, figures from time_s (result.hpp).
  auto summary = make_record(measurement("nccl"), p, nccl);
  summary.reply.samples_s.clear();
  summary.reply.telemetry.reset();
  figures_from_summary(summary, Summary{20, 0.0027, 0.0029, 0.0028, 0.0028, 0.00289, 1e-5, 0.0036});
  out.push_back(summary);

  RunReply broken;
  broken.status = RunStatus::Crashed;
  broken.message = "signal 11 \"SIGSEGV\"\nat\tline 3 \\ \x01 caf\xc3\xa9 \xff";
  broken.verification.max_rel_error = std::numeric_limits<double>::quiet_NaN();
  broken.verification.method = "\xe2\x80\x94 dash";
  Placement odd{-1, 0, "h\xf0\x9f\x98\x80st", -1, "", ""};
  auto crashed = make_record(measurement("gemm"), odd, broken);
  crashed.environment = "runtime-cudnn";
  out.push_back(crashed);

  auto extremes = make_record(measurement("gemm"), p, ok);
  extremes.figures = Figures{std::numeric_limits<double>::infinity(), -0.0, 1e300};
  extremes.reply.verification.tolerance = -0.0;
  extremes.reply.details = {{"nested", {{"deep", {{"deeper", {1, {2, {3}}}}}}}}, {"empty", nlohmann::json::array()}};
  out.push_back(extremes);
  return out;
}

TEST(ResultLine, WritesWhatNlohmannWrites) {
  for (const auto& r : records()) EXPECT_EQ(fast_line(r), slow_line(r));
}

TEST(ResultLine, AppendsAfterWhatIsThere) {
  const auto r = records().front();
  std::string out = "[\n    ";
  append_result_line(out, r);
  EXPECT_EQ(out, "[\n    " + slow_line(r));
}

TEST(ResultLine, ReadsGpucertsLinesAsResultFromJsonDoes) {
  std::size_t read_fast = 0;
  for (const auto& r : records()) {
    const auto line = slow_line(r);
    const auto slow = slow_read(line);
    ASSERT_TRUE(slow.has_value()) << line;
    const auto fast = read_result_line(line);
    // The lines without escapes are the fast reader's; it must then read exactly what the slow one reads.
    if (line.find('\\') == std::string::npos && std::all_of(line.begin(), line.end(), [](char c) { return c > 0; })) {
      ASSERT_TRUE(fast.has_value()) << line;
      ++read_fast;
    }
    if (fast) {
      EXPECT_EQ(slow_line(*fast), slow_line(*slow)) << line;
    }
  }
  EXPECT_GE(read_fast, 3u);
}

TEST(ResultLine, ReadsASummaryIntoFiguresAndBusFigures) {
  const auto r = records()[2];
  const auto fast = read_result_line(slow_line(r));
  ASSERT_TRUE(fast.has_value());
  ASSERT_TRUE(fast->time && fast->figures && fast->bus_figures);
  EXPECT_EQ(fast->time->median, 0.0028);
  EXPECT_EQ(fast->figures->at_median, r.figures->at_median);
  EXPECT_EQ(fast->bus_figures->best, r.bus_figures->best);
  EXPECT_TRUE(fast->reply.samples_s.empty());
}

// Lines gpucert does not write, each either read as result_from_json reads it or left to it, never read
// differently and never accepted where result_from_json refuses.
TEST(ResultLine, EveryOtherLineIsReadAlikeOrLeftToResultFromJson) {
  const std::string base = slow_line(records().front());
  const auto with = [&base](const std::string& from, const std::string& to) {
    auto s = base;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? s : s.replace(at, from.size(), to);
  };
  const std::vector<std::string> lines = {
      with("\"rank\":3", "\"rank\":3.0"),          // a whole number written with a fraction
      with("\"rank\":3", "\"rank\":-0"),           // minus zero
      with("\"rank\":3", "\"rank\":30000000000"),  // beyond an int
      with("\"rank\":3", "\"rank\":null"),
      with("\"rank\":3,", ""),  // required and missing
      with("\"warmup\":10", "\"warmup\":1e1"),
      with("\"work\":", "\"work\":-"),                   // not a number
      with("\"status\":\"ok\"", "\"status\":\"fine\""),  // unknown status
      with("\"environment\":\"native\"", "\"environment\":\"\""),
      with("\"id\":", "\"id\":\"dup\",\"id\":"),                      // a name given twice
      with("\"id\":", "\"extra\":{\"a\":[1,{\"b\":null}]},\"id\":"),  // an unknown field
      with("\"id\":", "\"extra\":[1,2,,],\"id\":"),                   // broken JSON in an unknown field
      with("\"id\":", "\"extra\":1e400,\"id\":"),                     // a number no double holds
      with("\"id\":", "\"extra\":01,\"id\":"),                        // a leading zero
      with("\"message\":\"\"", "\"message\":\"a\\\"b\""),             // an escape
      with("\"message\":\"\"", "\"message\":\"caf\xc3\xa9\""),
      with("\"message\":\"\"", "\"message\":\"\xff\""),       // not UTF-8
      with("\"message\":\"\"", "\"message\":\"tab\there\""),  // a raw control character
      with("\"message\":\"\"", "\"message\":7"),
      with("\"params\":{", "\"params\":{\"m\":1,"),  // a parameter given twice: the last counts
      with("\"params\":{", "\"params\":{\"huge\":18446744073709551616,\"neg\":-9223372036854775808,"),
      with("\"params\":{", "\"params\":{\"sub\":1e-310,\"under\":1e-400,"),
      with("\"params\":{", "\"params\":[{"),  // params not an object (and broken)
      with("\"details\":{}", "\"details\":null"),
      with("\"details\":{}", "\"details\":[1,2]"),
      with("\"device\":{", "\"device\":7,\"x\":{"),
      with("\"samples_s\":[", "\"samples_s\":[null,"),
      with("\"samples_s\":[", "\"samples_s\":[1,"),
      with("\"time_s\":{", "\"time_s\":{\"cv\":null,"),
      with("\"verification\":{", "\"verification\":{\"passed\":1,"),
      with("\"max_rel_error\":", "\"max_rel_error\":\"nan\",\"x\":"),
      with("\"max_rel_error\":1.5e-07", "\"max_rel_error\":null"),
      base + " ",
      base + "x",
      " \t" + base,
      base.substr(0, base.size() / 2),
      "{}",
      "[]",
      "",
      std::string(100, '[') + std::string(100, ']'),
  };
  std::size_t fast_count = 0;
  for (const auto& line : lines) {
    const auto slow = slow_read(line);
    const auto fast = read_result_line(line);
    if (!fast) continue;
    ++fast_count;
    ASSERT_TRUE(slow.has_value()) << "read a line result_from_json refuses: " << line;
    EXPECT_EQ(slow_line(*fast), slow_line(*slow)) << line;
  }
  EXPECT_GE(fast_count, 8u);  // the reader does take the lines it can
}

// Random damage to gpucert's own lines: whatever the fast reader accepts, result_from_json reads the same.
TEST(ResultLine, DamagedLinesAreReadAlikeOrLeftToResultFromJson) {
  std::mt19937_64 random(20261206);
  const auto originals = records();
  const std::string alphabet = "{}[],:\"\\0123456789.-+eE tfnul\x80\xff";
  std::size_t accepted = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    auto line = slow_line(originals[random() % originals.size()]);
    for (int edits = 1 + static_cast<int>(random() % 3); edits > 0 && !line.empty(); --edits) {
      const auto at = random() % line.size();
      switch (random() % 3) {
        case 0:
          line[at] = alphabet[random() % alphabet.size()];
          break;
        case 1:
          line.erase(at, 1 + random() % 4);
          break;
        default:
          line.insert(at, 1, alphabet[random() % alphabet.size()]);
      }
    }
    const auto fast = read_result_line(line);
    if (!fast) continue;
    ++accepted;
    const auto slow = slow_read(line);
    ASSERT_TRUE(slow.has_value()) << "read a line result_from_json refuses: " << line;
    ASSERT_EQ(slow_line(*fast), slow_line(*slow)) << line;
  }
  EXPECT_GT(accepted, 100u);  // damage that leaves valid JSON (a digit changed) is still read, and compared
}

TEST(HeapOptional, CopiesDeeplyAndEmptiesLikeOptional) {
  HeapOptional<std::vector<int>> a;
  EXPECT_FALSE(a.has_value());
  a = std::vector<int>{1, 2};
  auto b = a;
  b->push_back(3);
  EXPECT_EQ(a->size(), 2u);
  EXPECT_EQ(b->size(), 3u);
  a = std::nullopt;
  EXPECT_FALSE(a);
  a = std::optional<std::vector<int>>(std::vector<int>{7});
  EXPECT_EQ((*a)[0], 7);
  a.reset();
  EXPECT_FALSE(a.has_value());
}

}  // namespace
}  // namespace gpucert

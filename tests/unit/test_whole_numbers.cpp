// Whole numbers read from JSON that comes from outside (worker requests and replies, probes, results.jsonl):
// a number with a fraction, or one beyond the field's type, is an error value naming the field, never a silent
// wrap nor the undefined conversion of a double beyond an int's range (found by fuzz_protocol: a run request with
// "repetitions": 2222...2, 64 digits, read as a double and converted to int).
#include <cstdint>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/check.hpp"
#include "core/devel_check.hpp"
#include "core/gpu_telemetry.hpp"
#include "core/json_fields.hpp"
#include "core/probe_report.hpp"
#include "core/protocol.hpp"
#include "core/result.hpp"
#include "core/run_record.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

using nlohmann::json;

template <typename T>
std::string whole_number_refusal(const json& value) {
  try {
    const T n = whole_number<T>(value, "x");
    ADD_FAILURE() << "accepted " << value.dump() << " as " << +n;
  } catch (const JsonNumberError& e) {
    return e.what();
  }
  return {};
}

TEST(WholeNumbers, ReadsEveryValueOfTheTypeAndNothingElse) {
  EXPECT_EQ(whole_number<int>(json(7), "x"), 7);
  EXPECT_EQ(whole_number<int>(json(-2147483648LL), "x"), -2147483648);
  EXPECT_EQ(whole_number<int>(json(2147483647), "x"), 2147483647);
  EXPECT_EQ(whole_number<int>(json(20.0), "x"), 20);  // a writer that wrote a whole number as a double
  EXPECT_EQ(whole_number<std::int64_t>(json(INT64_MIN), "x"), INT64_MIN);
  EXPECT_EQ(whole_number<std::uint64_t>(json(UINT64_MAX), "x"), UINT64_MAX);
  EXPECT_EQ(whole_number<std::uint64_t>(json(9007199254740992.0), "x"), 9007199254740992u);  // 2^53

  EXPECT_HAS(whole_number_refusal<int>(json(2147483648LL)),
             "x: expected a whole number between -2147483648 and "
             "2147483647, got 2147483648");
  EXPECT_HAS(whole_number_refusal<int>(json(-2147483649LL)), "got -2147483649");
  EXPECT_HAS(whole_number_refusal<int>(json(2.5)), "got 2.5");
  EXPECT_HAS(whole_number_refusal<int>(json(2.2222222222222222e63)), "got 2.2222222222222224e+63");
  EXPECT_HAS(whole_number_refusal<int>(json(2147483648.0)), "got 2147483648.0");
  EXPECT_HAS(whole_number_refusal<int>(json(true)), "got true");
  EXPECT_HAS(whole_number_refusal<int>(json("7")), "got \"7\"");
  EXPECT_HAS(whole_number_refusal<int>(json(nullptr)), "got null");
  EXPECT_HAS(whole_number_refusal<std::uint32_t>(json(-1)), "between 0 and 4294967295, got -1");
  EXPECT_HAS(whole_number_refusal<std::uint32_t>(json(4294967296LL)), "got 4294967296");
  EXPECT_HAS(whole_number_refusal<std::uint64_t>(json(-1)), "got -1");
  EXPECT_HAS(whole_number_refusal<std::uint64_t>(json(-1.0)), "got -1.0");
  EXPECT_HAS(whole_number_refusal<std::uint64_t>(json(18446744073709551616.0)), "got 1.8446744073709552e+19");  // 2^64
  EXPECT_HAS(whole_number_refusal<std::int64_t>(json(9223372036854775808ULL)), "got 9223372036854775808");
  EXPECT_HAS(whole_number_refusal<std::int64_t>(json(9223372036854775808.0)), "got 9.223372036854776e+18");  // 2^63
  EXPECT_HAS(whole_number_refusal<std::int64_t>(json(1e300)), "got 1e+300");

  EXPECT_EQ(whole_value(json::object(), "n", 5), 5);
  EXPECT_EQ(whole_value(json{{"n", 6}}, "n", 5), 6);
  EXPECT_THROW(whole_value(json{{"n", 1e30}}, "n", 5), JsonNumberError);
  EXPECT_THROW(whole_value(json::array(), "n", 5), JsonNumberError);
}

TEST(WholeNumbers, AWorkerRequestWithACountBeyondAnIntIsRefusedNamingIt) {
  const std::string run = R"({"op":"run","workload":"stream",)";
  for (const auto& [field, value] : std::initializer_list<std::pair<const char*, const char*>>{
           {"repetitions", "2222222222222222222222222222222222222222222222222222222222222222"},  // the fuzzer's
           {"repetitions", "4294967297"},                                                        // once read as 1
           {"warmup", "1e30"},
           {"device", "0.5"},
           {"seed", "-1"},
           {"seed", "-1e30"}}) {
    const std::string line = run + "\"" + field + "\":" + value + "}";
    SCOPED_TRACE(line);
    const auto request = decode_request(line);
    ASSERT_FALSE(request.ok());
    EXPECT_HAS(request.error().message, std::string("protocol: ") + field + ": expected a whole number between");
  }
  const auto devel = decode_request(R"({"op":"devel_check","timeout_s":1e30})");
  ASSERT_FALSE(devel.ok());
  EXPECT_HAS(devel.error().message, "protocol: timeout_s: expected a whole number");
  const auto init = decode_request(R"({"op":"nccl_init","id":"00","rank":1e30,"nranks":2,"device":0,"timeout_s":9})");
  ASSERT_FALSE(init.ok());
  EXPECT_HAS(init.error().message, "protocol: nccl_init rank: expected a whole number");
  // A whole number written as a double is still read.
  const auto fine = decode_request(run + R"("repetitions":20.0})");
  ASSERT_TRUE(fine.ok()) << fine.error().message;
  EXPECT_EQ(std::get<RunRequest>(*fine).repetitions, 20);
}

TEST(WholeNumbers, RepliesAndRecordsWithANumberBeyondTheirFieldAreErrorValues) {
  const std::string ok_run = R"({"op":"run","ok":true,"status":"ok","samples_s":[0.001],)";
  for (const std::string tail :
       {R"("verification":{"checked":1e30}})", R"("verification":{"mismatches":-1}})",
        R"("telemetry":{"samples":[{"sm_clock_mhz":1e30}]}})", R"("telemetry":{"violation_ns":{"power":-5}}})",
        R"("telemetry":{"other_processes":[{"pid":4294967296}]}})"}) {
    SCOPED_TRACE(tail);
    const auto reply = decode_run_reply(ok_run + tail);
    ASSERT_FALSE(reply.ok());
    EXPECT_HAS(reply.error().message, "expected a whole number");
  }
  const auto devel = decode_devel_check_reply(R"({"op":"devel_check","ok":true,"compile":{"exit_code":1e30}})");
  ASSERT_FALSE(devel.ok());
  EXPECT_HAS(devel.error().message, "exit_code: expected a whole number");
  const auto probe = probe_report_from_json(json::parse(R"({"devices":[{"memory_bytes":-1.5}]})"));
  ASSERT_FALSE(probe.ok());
  EXPECT_HAS(probe.error().message, "memory_bytes: expected a whole number");
  const auto health = gpu_health_report_from_json(json::parse(R"({"devices":[{"pcie_gen":1e30}]})"));
  ASSERT_FALSE(health.ok());
  EXPECT_HAS(health.error().message, "pcie_gen: expected a whole number");
  const auto nvlink = gpu_health_report_from_json(json::parse(R"({"devices":[{"nvlinks":[{"errors":{"crc":2.5}}]}]})"));
  ASSERT_FALSE(nvlink.ok());
  EXPECT_HAS(nvlink.error().message, "errors.crc: expected a whole number");

  const auto result = result_from_json(
      json::parse(R"({"id":"a","workload":"stream","rank":0,"status":"ok","samples_s":[0.1],"warmup":1e30})"));
  ASSERT_FALSE(result.ok());
  EXPECT_HAS(result.error().message, "warmup: expected a whole number");
  const auto rank = rank_record_from_json(json::parse(R"({"rank":1e30})"));
  ASSERT_FALSE(rank.ok());
  EXPECT_HAS(rank.error().message, "rank: expected a whole number");
  const auto check = check_from_json(json::parse(R"({"name":"c","verdict":"pass","rank":1e30})"));
  ASSERT_FALSE(check.ok());
  EXPECT_HAS(check.error().message, "rank: expected a whole number");
}

}  // namespace
}  // namespace gpucert

// The worker protocol: requests and run replies survive encoding, and anything malformed, from either
// end, becomes an error value that says what was wrong (never an exception, never a silent default).
#include <cmath>
#include <limits>
#include <string>
#include <variant>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/protocol.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

// The error message of a request that must be refused.
std::string request_refusal(const std::string& line) {
  Outcome<Request> decoded = GPUCERT_ERROR("not decoded");
  EXPECT_NO_THROW(decoded = decode_request(line)) << line;
  if (decoded.ok()) {
    ADD_FAILURE() << "accepted: " << line;
    return {};
  }
  return decoded.error().message;
}

// The error message of a run reply that must be refused.
std::string reply_refusal(const std::string& line) {
  Outcome<RunReply> decoded = GPUCERT_ERROR("not decoded");
  EXPECT_NO_THROW(decoded = decode_run_reply(line)) << line;
  if (decoded.ok()) {
    ADD_FAILURE() << "accepted: " << line;
    return {};
  }
  return decoded.error().message;
}

// ---------------------------------------------------------------------------------------------------------
// Requests

TEST(Protocol, ProbeRequestRoundTrips) {
  const auto line = encode_request(ProbeRequest{});
  EXPECT_EQ(line.find('\n'), std::string::npos) << "a request is one line";
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j.at("op"), "probe");
  EXPECT_EQ(j.at("protocol"), kProtocolVersion);
  auto decoded = decode_request(line);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_TRUE(std::holds_alternative<ProbeRequest>(*decoded));
}

TEST(Protocol, QuitRequestRoundTrips) {
  auto decoded = decode_request(encode_request(QuitRequest{}));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_TRUE(std::holds_alternative<QuitRequest>(*decoded));
}

TEST(Protocol, RunRequestRoundTripsEveryField) {
  RunRequest r;
  r.id = "stream/triad/fp64/2GiB";
  r.workload = "stream";
  r.params = {{"kernel", "triad"}, {"precision", "fp64"}, {"elements", 268435456}, {"nested", {{"a", {1, 2}}}}};
  r.warmup = 4;
  r.repetitions = 37;
  r.device = 3;
  r.seed = 0xFFFFFFFFFFFFFFF1ull;  // beyond int64: must survive as an unsigned number
  r.flush_l2 = true;
  const auto line = encode_request(r);
  EXPECT_NE(line.find(R"("l2":"cold")"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto decoded = decode_request(line);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_TRUE(std::holds_alternative<RunRequest>(*decoded));
  const auto& d = std::get<RunRequest>(*decoded);
  EXPECT_EQ(d.id, r.id);
  EXPECT_EQ(d.workload, r.workload);
  EXPECT_EQ(d.params, r.params);
  EXPECT_EQ(d.warmup, 4);
  EXPECT_EQ(d.repetitions, 37);
  EXPECT_EQ(d.device, 3);
  EXPECT_EQ(d.seed, 0xFFFFFFFFFFFFFFF1ull);
  EXPECT_TRUE(d.flush_l2);
}

TEST(Protocol, RunRequestL2IsWarmOrCold) {
  auto warm = decode_request(R"({"op":"run","workload":"gemm","l2":"warm"})");
  ASSERT_TRUE(warm.ok()) << warm.error().message;
  EXPECT_FALSE(std::get<RunRequest>(*warm).flush_l2);
  EXPECT_HAS(request_refusal(R"({"op":"run","workload":"gemm","l2":"tepid"})"), "l2 must be warm or cold, not 'tepid'");
  EXPECT_HAS(request_refusal(R"({"op":"run","workload":"gemm","l2":true})"), "l2");
}

TEST(Protocol, RunRequestDefaultsForAbsentFields) {
  auto decoded = decode_request(R"({"op":"run","workload":"stream"})");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  const auto& d = std::get<RunRequest>(*decoded);
  EXPECT_EQ(d.warmup, 0);
  EXPECT_EQ(d.repetitions, 1);
  EXPECT_EQ(d.device, 0);
  EXPECT_EQ(d.seed, 1u);
  EXPECT_FALSE(d.flush_l2);  // a request without "l2" runs warm, as every request did before the field
  EXPECT_TRUE(d.params.is_object());
  EXPECT_TRUE(d.params.empty());
}

TEST(Protocol, RequestWithoutVersionIsRead) {
  // The version is optional on the wire: a request without one is taken as this version.
  auto decoded = decode_request(R"({"op":"probe"})");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_TRUE(std::holds_alternative<ProbeRequest>(*decoded));
}

TEST(Protocol, RefusesRequestThatIsNotJson) {
  const auto message = request_refusal("probe please");
  EXPECT_HAS(message, "not a JSON line");
  EXPECT_HAS(message, "probe please");
}

TEST(Protocol, RefusesEmptyRequest) { EXPECT_HAS(request_refusal(""), "not a JSON line"); }

TEST(Protocol, RefusesJsonArray) {
  const auto message = request_refusal(R"([{"op":"probe"}])");
  EXPECT_HAS(message, "expected a JSON object");
}

TEST(Protocol, RefusesUnknownOp) {
  const auto message = request_refusal(R"({"op":"dance","protocol":1})");
  EXPECT_HAS(message, "unknown op 'dance'");
  EXPECT_HAS(message, "expected probe, run or quit");
}

TEST(Protocol, RefusesRequestWithoutOp) { EXPECT_HAS(request_refusal(R"({"protocol":1})"), "unknown op ''"); }

TEST(Protocol, RefusesOpOfWrongType) {
  const auto message = request_refusal(R"({"op":7})");
  EXPECT_HAS(message, "field 'op' has the wrong type");
}

TEST(Protocol, RefusesRunFieldsOfWrongType) {
  struct Case {
    const char* line;
    const char* field;
  };
  for (const auto& c : {
           Case{R"({"op":"run","workload":"stream","repetitions":"20"})", "'repetitions'"},
           Case{R"({"op":"run","workload":"stream","warmup":[3]})", "'warmup'"},
           Case{R"({"op":"run","workload":"stream","device":"0"})", "'device'"},
           Case{R"({"op":"run","workload":"stream","seed":"1"})", "'seed'"},
           Case{R"({"op":"run","workload":"stream","id":5})", "'id'"},
           Case{R"({"op":"run","workload":{"name":"stream"}})", "'workload'"},
       }) {
    SCOPED_TRACE(c.line);
    const auto message = request_refusal(c.line);
    EXPECT_HAS(message, std::string("field ") + c.field + " has the wrong type");
  }
}

TEST(Protocol, RefusesRunWithoutWorkload) {
  EXPECT_HAS(request_refusal(R"({"op":"run","id":"x"})"), "run request without a workload");
}

TEST(Protocol, RefusesNegativeOrZeroCounts) {
  for (const auto* line :
       {R"({"op":"run","workload":"stream","repetitions":-5})", R"({"op":"run","workload":"stream","repetitions":0})",
        R"({"op":"run","workload":"stream","warmup":-1})", R"({"op":"run","workload":"stream","device":-1})"}) {
    SCOPED_TRACE(line);
    EXPECT_HAS(request_refusal(line), "needs warmup >= 0, repetitions >= 1 and device >= 0");
  }
}

TEST(Protocol, RefusesParamsThatAreNotAnObject) {
  for (const auto* line : {R"({"op":"run","workload":"stream","params":[1,2]})",
                           R"({"op":"run","workload":"stream","params":"kernel=triad"})",
                           R"({"op":"run","workload":"stream","params":null})"}) {
    SCOPED_TRACE(line);
    EXPECT_HAS(request_refusal(line), "'params' must be an object");
  }
}

TEST(Protocol, RefusesNewerProtocolVersion) {
  const auto message = request_refusal(R"({"op":"probe","protocol":2})");
  EXPECT_HAS(message, "request speaks version 2");
  EXPECT_HAS(message, "this worker speaks 1");
}

TEST(Protocol, RefusesVersionOfWrongType) {
  EXPECT_HAS(request_refusal(R"({"op":"quit","protocol":"1"})"), "request speaks version \"1\"");
}

// ---------------------------------------------------------------------------------------------------------
// Run replies

RunReply sample_reply() {
  RunReply r;
  r.status = RunStatus::Ok;
  r.samples_s = {1.5e-3, 1.25e-3, 2e-3};
  r.verification = {true, 268435456, 0, 3.5e-16, 1e-12, "closed form of the BabelStream recurrence"};
  r.message = "";
  r.details = {{"block_size", 1024}, {"grid", 528}};
  return r;
}

TEST(Protocol, RunReplyRoundTripsWithSamplesAndVerification) {
  const auto reply = sample_reply();
  const auto line = encode_run_reply(reply);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto decoded = decode_run_reply(line);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->status, RunStatus::Ok);
  EXPECT_EQ(decoded->samples_s, reply.samples_s);  // doubles survive JSON exactly
  EXPECT_TRUE(decoded->verification.passed);
  EXPECT_EQ(decoded->verification.checked, 268435456u);
  EXPECT_EQ(decoded->verification.mismatches, 0u);
  EXPECT_EQ(decoded->verification.max_rel_error, 3.5e-16);
  EXPECT_EQ(decoded->verification.tolerance, 1e-12);
  EXPECT_EQ(decoded->verification.method, reply.verification.method);
  EXPECT_EQ(decoded->message, "");
  EXPECT_EQ(decoded->details, reply.details);
}

TEST(Protocol, EveryStatusRoundTrips) {
  for (auto status : {RunStatus::Ok, RunStatus::Failed, RunStatus::Unavailable, RunStatus::Waived, RunStatus::Error}) {
    SCOPED_TRACE(std::string(name_of(status)));
    EXPECT_EQ(parse_run_status(name_of(status)), status);
    auto reply = sample_reply();
    reply.status = status;
    if (status != RunStatus::Ok && status != RunStatus::Failed) reply.samples_s.clear();
    reply.message = "because";
    auto decoded = decode_run_reply(encode_run_reply(reply));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->status, status);
    EXPECT_EQ(decoded->message, "because");
  }
  EXPECT_EQ(name_of(RunStatus::Unavailable), "unavailable");
  EXPECT_FALSE(parse_run_status("OK").has_value());
  EXPECT_FALSE(parse_run_status("").has_value());
}

TEST(Protocol, UnavailableReplyCarriesTheLoaderMessage) {
  RunReply r;
  r.status = RunStatus::Unavailable;
  r.message = "libcublas.so.13: cannot open shared object file: No such file or directory";
  auto decoded = decode_run_reply(encode_run_reply(r));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->status, RunStatus::Unavailable);
  EXPECT_TRUE(decoded->samples_s.empty());
  EXPECT_EQ(decoded->message, r.message);
}

TEST(Protocol, NanMaxRelErrorSurvivesAsNan) {
  auto reply = sample_reply();
  reply.status = RunStatus::Failed;
  reply.verification.passed = false;
  reply.verification.mismatches = 12;
  reply.verification.max_rel_error = std::numeric_limits<double>::quiet_NaN();
  const auto line = encode_run_reply(reply);
  // Plain JSON has no NaN: it travels as the string "nan", not as null or 0.
  EXPECT_EQ(nlohmann::json::parse(line).at("verification").at("max_rel_error"), "nan");
  auto decoded = decode_run_reply(line);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_TRUE(std::isnan(decoded->verification.max_rel_error));
  EXPECT_FALSE(decoded->verification.passed);
  EXPECT_EQ(decoded->verification.mismatches, 12u);
}

TEST(Protocol, InfiniteMaxRelErrorIsNotReadAsZero) {
  Verification v;
  v.max_rel_error = std::numeric_limits<double>::infinity();
  const auto back = verification_from_json(to_json(v));
  EXPECT_FALSE(back.max_rel_error == 0.0) << "an infinite error must not read as a perfect result";
}

TEST(Protocol, RefusesOkReplyWithoutSamples) {
  auto reply = sample_reply();
  reply.samples_s.clear();
  EXPECT_HAS(reply_refusal(encode_run_reply(reply)), "an 'ok' run reply carries no samples");
  EXPECT_HAS(reply_refusal(R"({"op":"run","ok":true,"status":"ok"})"), "carries no samples");
}

TEST(Protocol, RefusesNegativeOrZeroSample) {
  EXPECT_HAS(reply_refusal(R"({"op":"run","ok":true,"status":"ok","samples_s":[0.001,-0.001]})"),
             "a sample time is not a positive number");
  EXPECT_HAS(reply_refusal(R"({"op":"run","ok":true,"status":"ok","samples_s":[0.0]})"),
             "a sample time is not a positive number");
}

TEST(Protocol, RefusesNanSample) {
  // A NaN time, encoded by nlohmann, arrives as null; either way it must not become a figure.
  auto reply = sample_reply();
  reply.samples_s.push_back(std::numeric_limits<double>::quiet_NaN());
  EXPECT_HAS(reply_refusal(encode_run_reply(reply)), "samples_s must be an array of numbers");
  EXPECT_HAS(reply_refusal(R"({"op":"run","ok":true,"status":"ok","samples_s":[0.001,"nan"]})"),
             "samples_s must be an array of numbers");
}

TEST(Protocol, RefusesInfiniteSample) {
  // 1e999 overflows a double: whatever the parser makes of it, it is not a time.
  reply_refusal(R"({"op":"run","ok":true,"status":"ok","samples_s":[0.001,1e999]})");
}

TEST(Protocol, RefusesSamplesThatAreNotAList) {
  EXPECT_HAS(reply_refusal(R"({"op":"run","ok":true,"status":"ok","samples_s":0.001})"),
             "samples_s must be an array of numbers");
}

TEST(Protocol, RefusesUnknownStatus) {
  const auto message = reply_refusal(R"({"op":"run","ok":true,"status":"great","samples_s":[0.001]})");
  EXPECT_HAS(message, "run reply with unknown status");
  EXPECT_HAS(message, "great");
}

TEST(Protocol, RefusesReplyOfAnotherOp) {
  EXPECT_HAS(reply_refusal(R"({"op":"probe","ok":true})"), "expected a run reply");
}

TEST(Protocol, OkFalseCarriesTheWorkersMessage) {
  const auto message = reply_refusal(R"({"op":"run","ok":false,"message":"cudaMalloc: out of memory"})");
  EXPECT_HAS(message, "worker refused the request: cudaMalloc: out of memory");
  EXPECT_HAS(reply_refusal(R"({"op":"run","ok":false})"), "(no message)");
}

TEST(Protocol, RefusesReplyThatIsNotJson) {
  EXPECT_HAS(reply_refusal("Segmentation fault (core dumped)"), "not a JSON line");
  EXPECT_HAS(reply_refusal("[1,2,3]"), "expected a JSON object");
}

TEST(Protocol, RefusesReplyFieldsOfWrongTypeWithoutThrowing) {
  // A confused worker (or something else writing to its stdout) must give an error value, not an
  // exception through the coordinator.
  for (const auto* line : {
           R"({"op":"run","ok":"yes","status":"ok","samples_s":[0.001]})",
           R"({"op":7,"ok":true,"status":"ok","samples_s":[0.001]})",
           R"({"op":"run","ok":true,"status":3,"samples_s":[0.001]})",
           R"({"op":"run","ok":true,"status":"ok","samples_s":[0.001],"message":42})",
           R"({"op":"run","ok":true,"status":"ok","samples_s":[0.001],"verification":{"passed":"yes"}})",
           R"({"op":"run","ok":false,"message":["out of memory"]})",
       }) {
    SCOPED_TRACE(line);
    EXPECT_HAS(reply_refusal(line), "protocol: run reply with a field of the wrong type");
  }
}

TEST(Protocol, ErrorReplyIsReadAsARefusal) {
  const auto line = encode_error_reply("protocol: unknown op 'dance'");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j.at("op"), "error");
  EXPECT_EQ(j.at("ok"), false);
  EXPECT_EQ(j.at("message"), "protocol: unknown op 'dance'");
  EXPECT_HAS(reply_refusal(line), "worker refused the request: protocol: unknown op 'dance'");
}

TEST(Protocol, ErrorReplyEscapesItsMessage) {
  const std::string message = "quote \" backslash \\ newline \n tab \t";
  const auto line = encode_error_reply(message);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "a newline in the message must not split the line";
  EXPECT_EQ(nlohmann::json::parse(line).at("message"), message);
}

}  // namespace
}  // namespace gpucert

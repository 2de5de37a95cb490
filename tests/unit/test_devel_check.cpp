// The devel_check request and reply on the wire, what "passed" means, the probe's library inventory in JSON,
// and an environment record carrying image facts and a devel check through report.json and back.
#include <string>

#include <gtest/gtest.h>

#include "core/devel_check.hpp"
#include "core/protocol.hpp"
#include "core/run_record.hpp"
#include "flavor_fixtures.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

TEST(DevelCheckProtocol, RequestRoundTripsAndRefusesABadTimeout) {
  const auto line = encode_request(DevelCheckRequest{90});
  EXPECT_HAS(line, "\"op\":\"devel_check\"");
  EXPECT_HAS(line, "\"timeout_s\":90");
  const auto decoded = decode_request(line);
  ASSERT_TRUE(decoded.ok());
  const auto* request = std::get_if<DevelCheckRequest>(&*decoded);
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(request->timeout_s, 90);
  EXPECT_EQ(std::get<DevelCheckRequest>(*decode_request(R"({"op":"devel_check"})")).timeout_s, 120);
  EXPECT_HAS(decode_request(R"({"op":"devel_check","timeout_s":0})").error().message, "timeout_s >= 1");
  EXPECT_HAS(decode_request(R"({"op":"devel_check","timeout_s":"soon"})").error().message,
             "field 'timeout_s' has the wrong type");
  EXPECT_HAS(decode_request(R"({"op":"compile"})").error().message, "devel_check");
}

TEST(DevelCheckProtocol, ReplyRoundTrips) {
  const auto reply = flavor_fixtures::devel_passed();
  EXPECT_TRUE(reply.passed());
  const auto line = encode_devel_check_reply(reply);
  EXPECT_HAS(line, "\"op\":\"devel_check\"");
  EXPECT_HAS(line, "\"passed\":true");
  const auto back = decode_devel_check_reply(line);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(to_json(*back), to_json(reply));
  EXPECT_TRUE(back->passed());
  ASSERT_TRUE(back->compile);
  EXPECT_EQ(back->compile->argv.at(1), "-o");
  EXPECT_EQ(back->run->output, "gpucert-devel-check: result 25188352\n");
}

TEST(DevelCheckProtocol, PassedOnlyWhenCompiledRanAndTheValueIsTheExpectedOne) {
  auto reply = flavor_fixtures::devel_passed();
  reply.result = "1";
  EXPECT_FALSE(reply.passed());
  reply = flavor_fixtures::devel_passed();
  reply.run->exit_code = 1;
  EXPECT_FALSE(reply.passed());
  reply = flavor_fixtures::devel_passed();
  reply.run->timed_out = true;
  EXPECT_FALSE(reply.passed());
  reply = flavor_fixtures::devel_passed();
  reply.compile->exit_code = 2;
  EXPECT_FALSE(reply.passed());
  reply = flavor_fixtures::devel_passed();
  reply.run.reset();
  EXPECT_FALSE(reply.passed());
  reply = flavor_fixtures::devel_passed();
  reply.expected.clear();
  reply.result.clear();
  EXPECT_FALSE(reply.passed());  // an empty result never matches
  // A reply that claims to have passed but shows otherwise is judged by what it shows.
  auto j = to_json(flavor_fixtures::devel_passed());
  j["result"] = "7";
  EXPECT_FALSE(devel_check_reply_from_json(j)->passed());
}

TEST(DevelCheckProtocol, AWorkerThatDoesNotKnowTheOpGivesAFailedReply) {
  const auto reply = decode_devel_check_reply(encode_error_reply("protocol: unknown op 'devel_check'"));
  ASSERT_TRUE(reply.ok());
  EXPECT_FALSE(reply->ok);
  EXPECT_EQ(reply->message, "protocol: unknown op 'devel_check'");
  EXPECT_FALSE(decode_devel_check_reply("garbage").ok());
  EXPECT_HAS(decode_devel_check_reply(R"({"op":"run","ok":true})").error().message, "expected a devel_check reply");
  EXPECT_HAS(decode_devel_check_reply(R"({"op":"devel_check","ok":true,"nvcc":7})").error().message, "wrong type");
}

TEST(DevelCheckProtocol, LongOutputKeepsItsBeginningAndItsEnd) {
  EXPECT_EQ(truncate_output("short", 100), "short");
  const std::string text = std::string(3000, 'a') + std::string(3000, 'z');
  const auto cut = truncate_output(text, 1000);
  EXPECT_LE(cut.size(), 1000u);
  EXPECT_EQ(cut.front(), 'a');
  EXPECT_EQ(cut.back(), 'z');
  EXPECT_HAS(cut, "bytes left out");
}

TEST(ProbeInventory, LibrariesToolsAndMachineRoundTripAndAreOptionalOnRead) {
  ProbeReport p;
  p.hostname = "node-a";
  p.worker_version = "0.1.0";
  p.libcuda = {"libcuda.so.1", true, "/usr/lib/x86_64-linux-gnu/libcuda.so.1", ""};
  p.libraries = flavor_fixtures::inventory({"cudart", "cublas"});
  p.tools = {{"nvcc", true, "/usr/local/cuda/bin/nvcc"}, {"cuda_runtime.h", false, ""}};
  p.machine = "x86_64";
  const auto j = to_json(p);
  ASSERT_TRUE(j.contains("libraries"));
  EXPECT_EQ(j["libraries"][1]["library"], "cublas");
  EXPECT_EQ(j["libraries"][1]["version"], "13.1.0");
  EXPECT_EQ(j["libraries"][3]["error"], "libnccl.so.2: cannot open shared object file: No such file or directory");
  const auto back = probe_report_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(to_json(*back), j);
  ASSERT_EQ(back->libraries.size(), 6u);
  EXPECT_EQ(back->libraries[0].library, "cudart");
  EXPECT_TRUE(back->libraries[0].loaded);
  EXPECT_EQ(back->libraries[0].path, "/usr/local/cuda/lib64/libcudart.so.13");
  EXPECT_EQ(back->tools[0].path, "/usr/local/cuda/bin/nvcc");
  EXPECT_FALSE(back->tools[1].found);
  EXPECT_EQ(back->machine, "x86_64");

  // A worker that predates the inventory: nothing written, nothing required.
  ProbeReport old = p;
  old.libraries.clear();
  old.tools.clear();
  old.machine.clear();
  const auto old_json = to_json(old);
  EXPECT_FALSE(old_json.contains("libraries"));
  EXPECT_FALSE(old_json.contains("tools"));
  EXPECT_FALSE(old_json.contains("machine"));
  const auto read = probe_report_from_json(old_json);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->libraries.empty());
}

TEST(EnvironmentRecords, ImageFactsAndTheDevelCheckRoundTrip) {
  auto e = flavor_fixtures::environment("devel");
  e.devel_check = flavor_fixtures::devel_passed();
  const auto j = to_json(e);
  EXPECT_EQ(j["image_facts"]["reference"], "localhost/gpucert/cuda:13.0.2-devel-ubuntu24.04");
  EXPECT_EQ(j["devel_check"]["result"], "25188352");
  const auto back = environment_record_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  ASSERT_TRUE(back->image_facts);
  EXPECT_EQ(back->image_facts->size_bytes, 3'000'000'000u);
  ASSERT_TRUE(back->devel_check);
  EXPECT_TRUE(back->devel_check->passed());
  EXPECT_EQ(back->ranks.at(0).probe.libraries.size(), 6u);
  EXPECT_EQ(to_json(*back), j);

  auto plain = flavor_fixtures::environment("base");
  plain.image_facts.reset();
  const auto plain_json = to_json(plain);
  EXPECT_TRUE(plain_json["image_facts"].is_null());
  EXPECT_TRUE(plain_json["devel_check"].is_null());
  const auto plain_back = environment_record_from_json(plain_json);
  ASSERT_TRUE(plain_back.ok());
  EXPECT_FALSE(plain_back->image_facts);
  EXPECT_FALSE(plain_back->devel_check);

  auto bad = j;
  bad["image_facts"]["size_bytes"] = "huge";
  EXPECT_HAS(environment_record_from_json(bad).error().message, "environment devel: image facts");
}

}  // namespace
}  // namespace gpucert

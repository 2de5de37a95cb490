// nccl in core: nccl-tests' sizes and bandwidth formulas for every collective, the sweep, the suite items,
// the rendezvous messages (the unique id as hex) and the figures the records carry.
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/nccl_bandwidth.hpp"
#include "core/nccl_figures.hpp"
#include "core/protocol.hpp"
#include "core/result.hpp"
#include "core/suite.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

constexpr std::uint64_t k64MiB = 64ull << 20;

// ---------------------------------------------------------------------------------------------------------
// busbw factors (nccl-tests doc/PERFORMANCE.md, "Summary")

TEST(NcclBusbwFactor, AllReduceIsTwoTimesNMinusOneOverN) {
  EXPECT_DOUBLE_EQ(busbw_factor(Collective::AllReduce, 2), 1.0);
  EXPECT_DOUBLE_EQ(busbw_factor(Collective::AllReduce, 8), 1.75);
  EXPECT_DOUBLE_EQ(busbw_factor(Collective::AllReduce, 1), 0.0);  // one rank moves nothing over a link
}

TEST(NcclBusbwFactor, GatherScatterAndAlltoallAreNMinusOneOverN) {
  for (auto c : {Collective::AllGather, Collective::ReduceScatter, Collective::AllToAll}) {
    SCOPED_TRACE(std::string(name_of(c)));
    EXPECT_DOUBLE_EQ(busbw_factor(c, 2), 0.5);
    EXPECT_DOUBLE_EQ(busbw_factor(c, 8), 0.875);
  }
}

TEST(NcclBusbwFactor, RootedAndPointToPointAreOne) {
  for (auto c : {Collective::Broadcast, Collective::Reduce, Collective::SendRecv}) {
    SCOPED_TRACE(std::string(name_of(c)));
    EXPECT_DOUBLE_EQ(busbw_factor(c, 2), 1.0);
    EXPECT_DOUBLE_EQ(busbw_factor(c, 8), 1.0);
  }
}

TEST(NcclBusbwFactor, RefusesAnEmptyCommunicator) {
  EXPECT_THROW(busbw_factor(Collective::AllReduce, 0), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------------------
// Buffer sizes and S (nccl-tests' getCollByteCount and size column)

TEST(NcclCounts, WholeBufferCollectivesUseTheSizeAsIs) {
  for (auto c : {Collective::AllReduce, Collective::Broadcast, Collective::Reduce, Collective::SendRecv}) {
    SCOPED_TRACE(std::string(name_of(c)));
    for (int n : {2, 8}) {
      const auto counts = collective_counts(c, k64MiB, 4, n);
      EXPECT_EQ(counts.send, k64MiB / 4);
      EXPECT_EQ(counts.recv, k64MiB / 4);
      EXPECT_EQ(counts.count, k64MiB / 4);
      EXPECT_EQ(algbw_bytes(c, k64MiB, 4, n), k64MiB);
    }
  }
}

TEST(NcclCounts, AllGatherSendsOneShareAndReceivesAll) {
  const auto two = collective_counts(Collective::AllGather, k64MiB, 4, 2);
  EXPECT_EQ(two.count, k64MiB / 4 / 2);
  EXPECT_EQ(two.send, k64MiB / 4 / 2);
  EXPECT_EQ(two.recv, k64MiB / 4);
  EXPECT_EQ(two.send_in_place_offset, two.send);  // rank r's share sits at r·share in the output
  const auto eight = collective_counts(Collective::AllGather, k64MiB, 4, 8);
  EXPECT_EQ(eight.send, k64MiB / 4 / 8);
  EXPECT_EQ(eight.recv, k64MiB / 4);
  // S is the whole output, not what one rank sends.
  EXPECT_EQ(algbw_bytes(Collective::AllGather, k64MiB, 4, 8), k64MiB);
}

TEST(NcclCounts, ReduceScatterSendsAllAndReceivesOneShare) {
  const auto eight = collective_counts(Collective::ReduceScatter, k64MiB, 2, 8);
  EXPECT_EQ(eight.count, k64MiB / 2 / 8);
  EXPECT_EQ(eight.send, k64MiB / 2);
  EXPECT_EQ(eight.recv, k64MiB / 2 / 8);
  EXPECT_EQ(eight.recv_in_place_offset, eight.recv);
  EXPECT_EQ(algbw_bytes(Collective::ReduceScatter, k64MiB, 2, 8), k64MiB);  // the whole input
}

TEST(NcclCounts, AlltoallSendsOneShareToEachPeer) {
  const auto two = collective_counts(Collective::AllToAll, k64MiB, 8, 2);
  EXPECT_EQ(two.count, k64MiB / 8 / 2);  // per peer
  EXPECT_EQ(two.send, k64MiB / 8);
  EXPECT_EQ(two.recv, k64MiB / 8);
  EXPECT_EQ(algbw_bytes(Collective::AllToAll, k64MiB, 8, 2), k64MiB);
}

TEST(NcclCounts, SharesRoundDownToSixteenByteChunks) {
  // 1000 fp32 over 3 ranks: 333 per rank, rounded down to a multiple of 4 elements (16 bytes): 332.
  const auto gather = collective_counts(Collective::AllGather, 4000, 4, 3);
  EXPECT_EQ(gather.send, 332u);
  EXPECT_EQ(gather.recv, 996u);
  EXPECT_EQ(algbw_bytes(Collective::AllGather, 4000, 4, 3), 3984u);
  // fp64: multiples of 2 elements; fp16 and bf16: of 8.
  EXPECT_EQ(collective_counts(Collective::ReduceScatter, 8 * 1001, 8, 2).recv, 500u);
  EXPECT_EQ(collective_counts(Collective::AllToAll, 2 * 100, 2, 2).count, 48u);
  // all_reduce needs no split: 1001 fp64 elements stay 1001.
  EXPECT_EQ(collective_counts(Collective::AllReduce, 8 * 1001, 8, 3).count, 1001u);
}

TEST(NcclCounts, TinySizesLeaveNothingToShare) {
  // 8 bytes over 8 ranks in fp32: nccl-tests runs a zero-byte all_gather; S is 0.
  EXPECT_EQ(collective_counts(Collective::AllGather, 8, 4, 8).count, 0u);
  EXPECT_EQ(algbw_bytes(Collective::AllGather, 8, 4, 8), 0u);
  EXPECT_EQ(algbw_bytes(Collective::AllReduce, 8, 4, 8), 8u);
  // A size that is not a whole number of elements is cut to one.
  EXPECT_EQ(algbw_bytes(Collective::AllReduce, 10, 4, 2), 8u);
}

TEST(NcclCounts, RefusesZeroTypeSizeOrRanks) {
  EXPECT_THROW(collective_counts(Collective::AllReduce, 64, 0, 2), std::invalid_argument);
  EXPECT_THROW(collective_counts(Collective::AllReduce, 64, 4, 0), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------------------
// algbw and busbw in GB/s

TEST(NcclBandwidth, AllReduceOnEightRanks) {
  // 64 MiB in 1 ms: 67.108864 GB/s algbw, ×1.75 busbw.
  EXPECT_DOUBLE_EQ(algbw_gbps(k64MiB, 1e-3), 67.108864);
  EXPECT_DOUBLE_EQ(busbw_gbps(Collective::AllReduce, k64MiB, 1e-3, 8), 67.108864 * 1.75);
  EXPECT_DOUBLE_EQ(busbw_gbps(Collective::AllReduce, k64MiB, 1e-3, 2), 67.108864);
}

TEST(NcclBandwidth, EveryCollectiveOnTwoAndEightRanks) {
  struct Case {
    Collective c;
    double factor2, factor8;
  };
  const Case cases[] = {{Collective::AllReduce, 1.0, 1.75},      {Collective::AllGather, 0.5, 0.875},
                        {Collective::ReduceScatter, 0.5, 0.875}, {Collective::AllToAll, 0.5, 0.875},
                        {Collective::Broadcast, 1.0, 1.0},       {Collective::Reduce, 1.0, 1.0},
                        {Collective::SendRecv, 1.0, 1.0}};
  for (const auto& [c, factor2, factor8] : cases) {
    SCOPED_TRACE(std::string(name_of(c)));
    const double seconds = 2e-3;
    for (auto [n, factor] : {std::pair{2, factor2}, std::pair{8, factor8}}) {
      const auto bytes = algbw_bytes(c, k64MiB, 4, n);
      EXPECT_EQ(bytes, k64MiB);  // 64 MiB fp32 splits evenly over 2 and 8 ranks
      EXPECT_DOUBLE_EQ(busbw_gbps(c, bytes, seconds, n), k64MiB / seconds / 1e9 * factor);
    }
  }
}

TEST(NcclBandwidth, RefusesNonPositiveTime) {
  EXPECT_THROW(algbw_gbps(k64MiB, 0.0), std::invalid_argument);
  EXPECT_THROW(algbw_gbps(k64MiB, -1.0), std::invalid_argument);
}

TEST(NcclRankTime, MeanIsNcclTestsDefaultAndMaxTheSlowestRank) {
  const std::vector<double> times{1e-3, 2e-3, 3e-3, 6e-3};
  const auto t = rank_time(times);
  EXPECT_DOUBLE_EQ(t.mean, 3e-3);
  EXPECT_DOUBLE_EQ(t.max, 6e-3);
  EXPECT_THROW(rank_time(std::vector<double>{}), std::invalid_argument);
  EXPECT_THROW(rank_time(std::vector<double>{1e-3, 0.0}), std::invalid_argument);
}

TEST(NcclNames, RoundTripAndClassify) {
  EXPECT_EQ(all_collectives().size(), 7u);
  for (auto c : all_collectives()) EXPECT_EQ(parse_collective(name_of(c)), c);
  EXPECT_FALSE(parse_collective("allreduce").has_value());
  EXPECT_TRUE(is_reducing(Collective::AllReduce));
  EXPECT_TRUE(is_reducing(Collective::ReduceScatter));
  EXPECT_TRUE(is_reducing(Collective::Reduce));
  EXPECT_FALSE(is_reducing(Collective::AllGather));
  EXPECT_FALSE(has_in_place(Collective::AllToAll));
  EXPECT_FALSE(has_in_place(Collective::SendRecv));
  EXPECT_TRUE(has_in_place(Collective::Broadcast));
  EXPECT_EQ(nccl_element_bytes("bf16"), 2u);
  EXPECT_EQ(nccl_element_bytes("int32"), 4u);
  EXPECT_EQ(nccl_element_bytes("fp64"), 8u);
  EXPECT_FALSE(nccl_element_bytes("fp8").has_value());
}

// ---------------------------------------------------------------------------------------------------------
// Sweeps (nccl-tests -b -e -f -i)

TEST(NcclSweep, FactorMultipliesUpToTheEnd) {
  EXPECT_EQ(message_sizes(8, 128, 2, 0), (std::vector<std::uint64_t>{8, 16, 32, 64, 128}));
  EXPECT_EQ(message_sizes(8, 100, 4, 0), (std::vector<std::uint64_t>{8, 32}));  // 128 passes the end
  EXPECT_EQ(message_sizes(64, 64, 2, 0), (std::vector<std::uint64_t>{64}));
  EXPECT_EQ(message_sizes(8, 4ull << 30, 2, 0).size(), 30u);  // -b 8 -e 4G -f 2
}

TEST(NcclSweep, StepAddsUpToTheEnd) {
  EXPECT_EQ(message_sizes(1024, 4096, 1, 1024), (std::vector<std::uint64_t>{1024, 2048, 3072, 4096}));
  EXPECT_EQ(message_sizes(1000, 2500, 0, 1000), (std::vector<std::uint64_t>{1000, 2000}));
  EXPECT_EQ(message_sizes(10, 20, 1, 100), (std::vector<std::uint64_t>{10}));  // step beyond the end
}

TEST(NcclSweep, StopsBeforeWrappingAround) {
  const auto top = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(message_sizes(top / 2 + 1, top, 2, 0).size(), 1u);
  EXPECT_EQ(message_sizes(top - 1, top, 1, 5).size(), 1u);
}

TEST(NcclSweep, RefusesImpossibleSweeps) {
  EXPECT_THROW(message_sizes(0, 8, 2, 0), std::invalid_argument);
  EXPECT_THROW(message_sizes(16, 8, 2, 0), std::invalid_argument);
  EXPECT_THROW(message_sizes(8, 16, 1, 0), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------------------
// Suite items

std::string suite_with(const std::string& item) {
  return R"({"schema_version": 1, "name": "t", "items": [)" + item + "]}";
}

Suite parse_ok(const std::string& item) {
  auto suite = parse_suite(suite_with(item), "t.json");
  EXPECT_TRUE(suite.ok()) << (suite.ok() ? "" : suite.error().message);
  return suite.ok() ? *suite : Suite{};
}

std::string refusal(const std::string& item) {
  auto suite = parse_suite(suite_with(item), "t.json");
  EXPECT_FALSE(suite.ok()) << item;
  return suite.ok() ? std::string() : suite.error().message;
}

TEST(NcclSuite, DefaultsAreEveryCollectiveInFp32At32MiB) {
  const auto suite = parse_ok(R"({"workload": "nccl"})");
  ASSERT_EQ(suite.plan.size(), 7u);
  const auto& first = suite.plan.front();
  EXPECT_EQ(first.id, "nccl/all_reduce/fp32/32MiB");
  EXPECT_EQ(first.workload, "nccl");
  EXPECT_EQ(first.metric, Metric::Bandwidth);
  EXPECT_EQ(first.work, 32u << 20);
  EXPECT_EQ(first.params.at("collective"), "all_reduce");
  EXPECT_EQ(first.params.at("precision"), "fp32");
  EXPECT_EQ(first.params.at("bytes"), 32u << 20);
  EXPECT_EQ(first.params.at("reduction"), "sum");
  EXPECT_EQ(first.params.at("iterations"), 20);
  EXPECT_EQ(first.params.at("in_place"), false);
  EXPECT_EQ(first.params.at("graph"), false);
  EXPECT_EQ(first.params.at("root"), 0);
  EXPECT_EQ(suite.plan.back().id, "nccl/sendrecv/fp32/32MiB");
  EXPECT_FALSE(suite.plan.back().params.contains("reduction"));  // sendrecv reduces nothing
}

TEST(NcclSuite, SweepsEverySizeOfEveryPrecision) {
  const auto suite = parse_ok(R"({"workload": "nccl", "collectives": ["all_gather"], "precisions": ["bf16", "fp64"],
                                  "begin_bytes": 8, "end_bytes": 4294967296, "factor": 4, "iterations": 5,
                                  "warmup": 2, "repetitions": 3})");
  ASSERT_EQ(suite.plan.size(), 2u * 15u);  // 8 B, 32 B, ..., 2 GiB: 15 sizes
  EXPECT_EQ(suite.plan[0].id, "nccl/all_gather/bf16/8B");
  EXPECT_EQ(suite.plan[14].id, "nccl/all_gather/bf16/2GiB");
  EXPECT_EQ(suite.plan[15].id, "nccl/all_gather/fp64/8B");
  EXPECT_EQ(suite.plan[0].params.at("iterations"), 5);
  EXPECT_EQ(suite.plan[0].warmup, 2);
  EXPECT_EQ(suite.plan[0].repetitions, 3);
}

TEST(NcclSuite, StepSweepAddsBytes) {
  const auto suite = parse_ok(R"({"workload": "nccl", "collectives": ["broadcast"],
                                  "begin_bytes": 1048576, "end_bytes": 4194304, "step_bytes": 1048576})");
  ASSERT_EQ(suite.plan.size(), 4u);
  EXPECT_EQ(suite.plan[1].id, "nccl/broadcast/fp32/2MiB");
  EXPECT_EQ(suite.plan[2].id, "nccl/broadcast/fp32/3MiB");
}

TEST(NcclSuite, ReductionOtherThanSumIsNamedInTheId) {
  const auto suite = parse_ok(R"({"workload": "nccl", "collectives": ["all_reduce", "all_gather"],
                                  "reduction": "max", "begin_bytes": 1024})");
  ASSERT_EQ(suite.plan.size(), 2u);
  EXPECT_EQ(suite.plan[0].id, "nccl/all_reduce.max/fp32/1KiB");
  EXPECT_EQ(suite.plan[0].params.at("reduction"), "max");
  EXPECT_EQ(suite.plan[1].id, "nccl/all_gather/fp32/1KiB");
}

TEST(NcclSuite, InPlaceAndGraphAreNamedInTheIdAndLeaveOutSendRecvPairs) {
  const auto suite = parse_ok(R"({"workload": "nccl", "in_place": true, "graph": true, "begin_bytes": 4096})");
  ASSERT_EQ(suite.plan.size(), 5u);  // no alltoall, no sendrecv
  for (const auto& m : suite.plan) {
    EXPECT_EQ(m.params.at("in_place"), true) << m.id;
    EXPECT_EQ(m.params.at("graph"), true) << m.id;
    EXPECT_EQ(m.id.substr(m.id.size() - 15), "/in_place/graph") << m.id;
    EXPECT_EQ(m.id.find("alltoall"), std::string::npos);
    EXPECT_EQ(m.id.find("sendrecv"), std::string::npos);
  }
}

TEST(NcclSuite, InPlaceAndOutOfPlaceItemsCanShareASuite) {
  const auto suite = parse_ok(R"({"workload": "nccl", "collectives": ["all_reduce"]},
                                 {"workload": "nccl", "collectives": ["all_reduce"], "in_place": true})");
  ASSERT_EQ(suite.plan.size(), 2u);
  EXPECT_NE(suite.plan[0].id, suite.plan[1].id);
}

TEST(NcclSuite, RefusesInPlaceAlltoallListedByName) {
  const auto message = refusal(R"({"workload": "nccl", "collectives": ["alltoall"], "in_place": true})");
  EXPECT_HAS(message, "items[0].in_place: alltoall has no in-place form");
}

TEST(NcclSuite, RefusesFactorAndStepTogether) {
  EXPECT_HAS(refusal(R"({"workload": "nccl", "begin_bytes": 8, "end_bytes": 64, "factor": 2, "step_bytes": 8})"),
             "items[0].step_bytes: give either factor");
}

TEST(NcclSuite, RefusesAnEndBelowTheBeginning) {
  EXPECT_HAS(refusal(R"({"workload": "nccl", "begin_bytes": 1024, "end_bytes": 8})"),
             "items[0].end_bytes: the sweep ends at 8 bytes, below its beginning");
}

TEST(NcclSuite, RefusesASweepOfTooManySizes) {
  EXPECT_HAS(refusal(R"({"workload": "nccl", "begin_bytes": 1, "end_bytes": 1048576, "step_bytes": 1})"),
             "the sweep has 1048576 sizes; at most 1024");
}

TEST(NcclSuite, RefusesAReductionWithoutAReducingCollective) {
  EXPECT_HAS(refusal(R"({"workload": "nccl", "collectives": ["broadcast"], "reduction": "min"})"),
             "items[0].reduction: only all_reduce, reduce_scatter and reduce take a reduction");
}

TEST(NcclSuite, RefusesUnknownNamesAndBadValues) {
  const auto message = refusal(R"({"workload": "nccl", "collectives": ["allreduce"], "precisions": ["fp8"],
                                   "reduction": "xor", "in_place": "yes", "iterations": 0, "factor": 1})");
  EXPECT_HAS(message, "items[0].collectives[0]: unknown collective 'allreduce'");
  EXPECT_HAS(message, "items[0].precisions[0]: unknown precision 'fp8'");
  EXPECT_HAS(message, "items[0].reduction: unknown reduction 'xor'");
  EXPECT_HAS(message, "items[0].in_place: expected true or false, got a string");
  EXPECT_HAS(message, "items[0].iterations");
  EXPECT_HAS(message, "items[0].factor");
}

// ---------------------------------------------------------------------------------------------------------
// Rendezvous messages

std::string an_id() {
  std::vector<unsigned char> bytes(kNcclUniqueIdBytes);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 37 + 11);
  return to_hex(bytes.data(), bytes.size());
}

TEST(NcclHex, RoundTripsEveryByteValue) {
  std::vector<unsigned char> bytes(256);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i);
  const auto hex = to_hex(bytes.data(), bytes.size());
  EXPECT_EQ(hex.size(), 512u);
  EXPECT_EQ(hex.substr(0, 8), "00010203");
  EXPECT_EQ(hex.substr(hex.size() - 4), "feff");
  auto back = from_hex(hex, 256);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, bytes);
  auto upper = from_hex("ABCDEF", 3);
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, (std::vector<unsigned char>{0xAB, 0xCD, 0xEF}));
}

TEST(NcclHex, RefusesBadHex) {
  EXPECT_HAS(from_hex("abc", 2).error().message, "expected 4 hex digits (2 bytes), got 3");
  EXPECT_HAS(from_hex("abcd", 1).error().message, "expected 2 hex digits");
  EXPECT_HAS(from_hex("0g", 1).error().message, "not a hex digit at position 1: 'g'");
  EXPECT_HAS(from_hex(" 0", 1).error().message, "not a hex digit at position 0");
}

TEST(NcclProtocol, IdRequestRoundTrips) {
  auto decoded = decode_request(encode_request(NcclIdRequest{}));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_TRUE(std::holds_alternative<NcclIdRequest>(*decoded));
  EXPECT_TRUE(decode_request(R"({"op":"nccl_id"})").ok());
}

TEST(NcclProtocol, InitRequestRoundTripsEveryField) {
  const NcclInitRequest sent{an_id(), 3, 8, 2, 45};
  const auto line = encode_request(sent);
  EXPECT_HAS(line, R"("op":"nccl_init")");
  auto decoded = decode_request(line);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  const auto* got = std::get_if<NcclInitRequest>(&*decoded);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->id, sent.id);
  EXPECT_EQ(got->rank, 3);
  EXPECT_EQ(got->nranks, 8);
  EXPECT_EQ(got->device, 2);
  EXPECT_EQ(got->timeout_s, 45);
}

std::string init_refusal(const nlohmann::json& fields) {
  nlohmann::json j = {{"op", "nccl_init"}, {"id", an_id()}, {"rank", 0},
                      {"nranks", 2},       {"device", 0},   {"timeout_s", 60}};
  for (const auto& [key, value] : fields.items()) {
    if (value.is_null())
      j.erase(key);
    else
      j[key] = value;
  }
  auto decoded = decode_request(j.dump());
  EXPECT_FALSE(decoded.ok()) << j.dump();
  return decoded.ok() ? std::string() : decoded.error().message;
}

TEST(NcclProtocol, InitRefusesAnIdThatIsNotHexOfTheRightLength) {
  EXPECT_HAS(init_refusal({{"id", an_id().substr(2)}}), "id is not an NCCL unique id: expected 256 hex digits");
  EXPECT_HAS(init_refusal({{"id", "z" + an_id().substr(1)}}), "not a hex digit at position 0: 'z'");
  EXPECT_HAS(init_refusal({{"id", 42}}), "field 'id' has the wrong type");
  EXPECT_HAS(init_refusal({{"id", nullptr}}), "nccl_init request without 'id'");
}

TEST(NcclProtocol, InitRefusesRanksOutsideTheCommunicator) {
  EXPECT_HAS(init_refusal({{"rank", 2}}), "needs 0 <= rank < nranks, got rank 2 of 2");
  EXPECT_HAS(init_refusal({{"rank", -1}}), "got rank -1 of 2");
  EXPECT_HAS(init_refusal({{"nranks", 0}}), "got rank 0 of 0");
  EXPECT_HAS(init_refusal({{"device", -1}}), "device >= 0 and timeout_s >= 1");
  EXPECT_HAS(init_refusal({{"timeout_s", 0}}), "device >= 0 and timeout_s >= 1");
  EXPECT_HAS(init_refusal({{"timeout_s", nullptr}}), "without 'timeout_s'");
}

TEST(NcclProtocol, RepliesRoundTrip) {
  const auto line = encode_nccl_reply({"nccl_id", true, false, an_id(), ""});
  auto id = decode_nccl_reply(line, "nccl_id");
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_TRUE(id->ok);
  EXPECT_EQ(id->id, an_id());

  auto failed =
      decode_nccl_reply(encode_nccl_reply({"nccl_init", false, true, "", "libnccl.so.2: cannot open"}), "nccl_init");
  ASSERT_TRUE(failed.ok()) << failed.error().message;
  EXPECT_FALSE(failed->ok);
  EXPECT_TRUE(failed->unavailable);
  EXPECT_EQ(failed->message, "libnccl.so.2: cannot open");
}

TEST(NcclProtocol, AWorkersErrorReplyIsAFailedReply) {
  auto reply = decode_nccl_reply(encode_error_reply("protocol: unknown op 'nccl_id'"), "nccl_id");
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_FALSE(reply->ok);
  EXPECT_EQ(reply->op, "nccl_id");
  EXPECT_HAS(reply->message, "unknown op");
}

TEST(NcclProtocol, RefusesRepliesOfAnotherOpOrWithoutAValidId) {
  EXPECT_HAS(decode_nccl_reply(R"({"op":"run","ok":true})", "nccl_id").error().message, "expected a nccl_id reply");
  EXPECT_HAS(decode_nccl_reply(R"({"op":"nccl_id","ok":true,"id":"00"})", "nccl_id").error().message,
             "carries no valid id");
  EXPECT_HAS(decode_nccl_reply("not json", "nccl_init").error().message, "not a JSON object");
  EXPECT_HAS(decode_nccl_reply(R"({"op":"nccl_init","ok":"yes"})", "nccl_init").error().message, "wrong type");
}

// ---------------------------------------------------------------------------------------------------------
// Records: algbw from S for the reported communicator, busbw beside it, the communicator's summary

Measurement nccl_measurement(const std::string& collective, std::uint64_t bytes) {
  auto suite = parse_ok(R"({"workload": "nccl", "collectives": [")" + collective + R"("], "begin_bytes": )" +
                        std::to_string(bytes) + "}");
  return suite.plan.at(0);
}

RunReply ok_reply(std::vector<double> samples, int nranks, std::uint64_t wrong = 0) {
  RunReply reply;
  reply.status = RunStatus::Ok;
  reply.samples_s = std::move(samples);
  reply.verification.passed = wrong == 0;
  reply.verification.mismatches = wrong;
  reply.details = {{"nranks", nranks}};
  return reply;
}

TEST(NcclRecords, FiguresAreAlgbwAndBusbwForTheReportedRanks) {
  const auto m = nccl_measurement("all_reduce", k64MiB);
  const auto r = make_record(m, Placement{}, ok_reply({1e-3, 2e-3, 4e-3}, 8));
  ASSERT_TRUE(r.figures && r.bus_figures);
  EXPECT_EQ(r.measurement.work, k64MiB);
  EXPECT_DOUBLE_EQ(r.figures->at_median, 67.108864 / 2);
  EXPECT_DOUBLE_EQ(r.bus_figures->at_median, 67.108864 / 2 * 1.75);
  EXPECT_DOUBLE_EQ(r.bus_figures->best, 67.108864 * 1.75);
  EXPECT_DOUBLE_EQ(r.bus_figures->worst, 67.108864 / 4 * 1.75);
  const auto j = to_json(r);
  EXPECT_DOUBLE_EQ(j.at("bus_figure").at("at_median").get<double>(), 67.108864 / 2 * 1.75);
  auto back = result_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_TRUE(back->bus_figures.has_value());
  EXPECT_DOUBLE_EQ(back->bus_figures->at_median, r.bus_figures->at_median);
  EXPECT_EQ(back->measurement.work, k64MiB);
}

TEST(NcclRecords, WorkIsSForAnUnevenSplit) {
  // 4000 B of fp32 over 3 ranks: 332 elements each, S = 3984 B.
  const auto m = nccl_measurement("all_gather", 4000);
  const auto r = make_record(m, Placement{}, ok_reply({1e-6}, 3));
  EXPECT_EQ(r.measurement.work, 3984u);
  ASSERT_TRUE(r.figures.has_value());
  EXPECT_DOUBLE_EQ(r.figures->at_median, 3984 / 1e-6 / 1e9);
}

TEST(NcclRecords, NoBusbwWithoutACommunicatorOrForOtherWorkloads) {
  const auto m = nccl_measurement("all_reduce", k64MiB);
  RunReply unavailable;
  unavailable.status = RunStatus::Unavailable;
  unavailable.message = "libnccl.so.2: cannot open shared object file";
  const auto r = make_record(m, Placement{}, unavailable);
  EXPECT_FALSE(r.bus_figures.has_value());
  EXPECT_EQ(r.measurement.work, k64MiB);
  EXPECT_FALSE(to_json(r).contains("bus_figure"));

  Measurement stream;
  stream.id = "stream/copy/fp64/1GiB";
  stream.workload = "stream";
  stream.work = 1u << 30;
  const auto s = make_record(stream, Placement{}, ok_reply({1e-3}, 8));
  EXPECT_FALSE(s.bus_figures.has_value());
}

TEST(NcclRecords, SummaryAveragesRanksAsNcclTestsAndKeepsTheSlowest) {
  const auto m = nccl_measurement("all_gather", k64MiB);
  Placement rank0, rank1;
  rank1.rank = 1;
  std::vector<ResultRecord> results{make_record(m, rank0, ok_reply({1e-3}, 2)),
                                    make_record(m, rank1, ok_reply({3e-3}, 2, 5))};
  const auto summary = nccl_summaries(results);
  ASSERT_EQ(summary.size(), 1u);
  const auto& line = summary[0];
  EXPECT_EQ(line.at("id"), m.id);
  EXPECT_EQ(line.at("nranks"), 2);
  EXPECT_EQ(line.at("ranks_reporting"), 2);
  EXPECT_DOUBLE_EQ(line.at("time_s").at("mean").get<double>(), 2e-3);
  EXPECT_DOUBLE_EQ(line.at("time_s").at("max").get<double>(), 3e-3);
  EXPECT_DOUBLE_EQ(line.at("algbw_GBps").get<double>(), k64MiB / 2e-3 / 1e9);
  EXPECT_DOUBLE_EQ(line.at("busbw_GBps").get<double>(), k64MiB / 2e-3 / 1e9 * 0.5);
  EXPECT_DOUBLE_EQ(line.at("busbw_slowest_GBps").get<double>(), k64MiB / 3e-3 / 1e9 * 0.5);
  EXPECT_EQ(line.at("wrong"), 5);
}

TEST(NcclRecords, SummarySkipsRecordsWithoutATime) {
  const auto m = nccl_measurement("broadcast", k64MiB);
  RunReply error;
  error.status = RunStatus::Error;
  error.message = "NCCL: no progress within 5 s";
  EXPECT_TRUE(nccl_summaries({make_record(m, Placement{}, error)}).empty());
}

}  // namespace
}  // namespace gpucert

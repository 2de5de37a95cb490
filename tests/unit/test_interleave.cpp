// How a run with containers interleaves them: the rounds' sizes, the rotation of the environments, and the
// join of the rounds' replies into one result.
#include <gtest/gtest.h>

#include "coordinator/interleave.hpp"

namespace gpucert {
namespace {

using coordinator::merge_round;
using coordinator::round_order;
using coordinator::round_repetitions;

TEST(Interleave, RepetitionsSplitIntoNearEqualRoundsThatAddUp) {
  EXPECT_EQ(round_repetitions(20, 5), (std::vector<int>{4, 4, 4, 4, 4}));
  EXPECT_EQ(round_repetitions(22, 5), (std::vector<int>{5, 5, 4, 4, 4}));
  EXPECT_EQ(round_repetitions(3, 5), (std::vector<int>{1, 1, 1}));  // never an empty round
  EXPECT_EQ(round_repetitions(7, 1), (std::vector<int>{7}));
  EXPECT_EQ(round_repetitions(1, 0), (std::vector<int>{1}));
}

TEST(Interleave, EachRoundStartsOneEnvironmentFurther) {
  EXPECT_EQ(round_order(3, 0), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(round_order(3, 1), (std::vector<std::size_t>{1, 2, 0}));
  EXPECT_EQ(round_order(3, 2), (std::vector<std::size_t>{2, 0, 1}));
  EXPECT_EQ(round_order(3, 3), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(round_order(1, 4), (std::vector<std::size_t>{0}));
}

RunReply reply(RunStatus status, std::vector<double> samples, bool passed, std::uint64_t mismatches, double error) {
  RunReply r;
  r.status = status;
  r.samples_s = std::move(samples);
  r.verification.passed = passed;
  r.verification.checked = 100;
  r.verification.mismatches = mismatches;
  r.verification.max_rel_error = error;
  r.message = name_of(status) == "ok" ? "" : "round broke";
  r.details = {{"round", static_cast<int>(r.samples_s.size())}};
  return r;
}

TEST(Interleave, RoundsJoinSamplesAndVerification) {
  RunReply joined;
  merge_round(joined, true, reply(RunStatus::Ok, {1.0, 2.0}, true, 0, 1e-9));
  merge_round(joined, false, reply(RunStatus::Ok, {3.0}, true, 0, 5e-9));
  EXPECT_EQ(joined.status, RunStatus::Ok);
  EXPECT_EQ(joined.samples_s, (std::vector<double>{1.0, 2.0, 3.0}));
  EXPECT_TRUE(joined.verification.passed);
  EXPECT_EQ(joined.verification.checked, 200u);
  EXPECT_DOUBLE_EQ(joined.verification.max_rel_error, 5e-9);
  EXPECT_EQ(joined.details["round"], 2);  // the first round's details
}

TEST(Interleave, OneFailedRoundFailsTheResultWithItsMessage) {
  RunReply joined;
  merge_round(joined, true, reply(RunStatus::Ok, {1.0}, true, 0, 0));
  merge_round(joined, false, reply(RunStatus::Failed, {1.1}, false, 3, 0.5));
  merge_round(joined, false, reply(RunStatus::Error, {}, false, 0, 0));
  EXPECT_EQ(joined.status, RunStatus::Failed);
  EXPECT_EQ(joined.message, "round broke");
  EXPECT_FALSE(joined.verification.passed);
  EXPECT_EQ(joined.verification.mismatches, 3u);
  EXPECT_EQ(joined.samples_s.size(), 2u);
}

}  // namespace
}  // namespace gpucert

// run_to_completion: short host commands (ldconfig -p) run through the one process module, their output
// captured, their exit code kept, and a hung one killed at its deadline.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "runtime/process.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

runtime::LaunchSpec command(std::vector<std::string> argv) {
  runtime::LaunchSpec spec;
  spec.argv = std::move(argv);
  return spec;
}

TEST(RunToCompletion, CapturesOutputAndExitCode) {
  auto spec = command({"printenv", "GPUCERT_CAPTURE_TEST"});
  spec.set_env["GPUCERT_CAPTURE_TEST"] = "a value; $(not run)";
  const auto done = runtime::run_to_completion(spec, std::chrono::seconds(10));
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_EQ(done->exit_code, 0);
  EXPECT_EQ(done->out, "a value; $(not run)\n");

  const auto failed = runtime::run_to_completion(command({"ls", "/no/such/path/for/gpucert"}), std::chrono::seconds(10));
  ASSERT_TRUE(failed.ok()) << failed.error().describe();
  EXPECT_NE(failed->exit_code, 0);
  EXPECT_HAS(failed->err, "/no/such/path/for/gpucert");
}

TEST(RunToCompletion, AHungCommandIsKilledAtTheDeadline) {
  const auto start = std::chrono::steady_clock::now();
  const auto done = runtime::run_to_completion(command({"sleep", "30"}), std::chrono::milliseconds(200));
  ASSERT_FALSE(done.ok());
  EXPECT_HAS(done.error().message, "did not finish within 200 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(RunToCompletion, AMissingProgramIsAnError) {
  const auto done = runtime::run_to_completion(command({"gpucert-no-such-program"}), std::chrono::seconds(5));
  ASSERT_FALSE(done.ok());
  EXPECT_HAS(done.error().message, "cannot run gpucert-no-such-program");
}

}  // namespace
}  // namespace gpucert

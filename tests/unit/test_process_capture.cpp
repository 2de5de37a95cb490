// run_to_completion and run_bounded: short host commands (ldconfig -p) and the worker's helpers (nvcc,
// python3) run through the one process module, their output captured, their exit code or signal kept, and a
// hung one killed at its deadline, with its helpers where it has a process group of its own.
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

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

  const auto failed =
      runtime::run_to_completion(command({"ls", "/no/such/path/for/gpucert"}), std::chrono::seconds(10));
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

TEST(RunBounded, MergesStderrIntoStdoutAndReportsTheExitCode) {
  runtime::RunOptions options;
  options.stderr_into_stdout = true;
  const auto done = runtime::run_bounded(command({"sh", "-c", "echo one; echo two >&2; echo three; exit 3"}),
                                         std::chrono::seconds(10), options);
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_EQ(done->out, "one\ntwo\nthree\n");
  EXPECT_EQ(done->err, "");
  EXPECT_EQ(done->exit_code, 3);
  EXPECT_EQ(done->signal, 0);
  EXPECT_FALSE(done->timed_out);
}

TEST(RunBounded, ReportsTheSignalThatEndedIt) {
  const auto done = runtime::run_bounded(command({"sh", "-c", "kill -TERM $$"}), std::chrono::seconds(10));
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_EQ(done->exit_code, -1);
  EXPECT_EQ(done->signal, SIGTERM);
}

TEST(RunBounded, KeepsOnlyTheOutputLimitButReadsToTheEnd) {
  runtime::RunOptions options;
  options.output_limit = 1000;
  const auto done =
      runtime::run_bounded(command({"head", "-c", "300000", "/dev/zero"}), std::chrono::seconds(10), options);
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_EQ(done->out.size(), 1000u);
  EXPECT_EQ(done->exit_code, 0);
}

TEST(RunBounded, ADeadlineIsAResultNotAnError) {
  const auto start = std::chrono::steady_clock::now();
  const auto done =
      runtime::run_bounded(command({"sh", "-c", "echo started; exec sleep 30"}), std::chrono::milliseconds(300));
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_TRUE(done->timed_out);
  EXPECT_EQ(done->out, "started\n");
  EXPECT_EQ(done->signal, SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(RunBounded, OneThatClosedItsOutputAndRanOnIsKilledAtTheDeadline) {
  const auto start = std::chrono::steady_clock::now();
  const auto done = runtime::run_bounded(command({"sh", "-c", "exec >/dev/null 2>&1; exec sleep 30"}),
                                         std::chrono::milliseconds(300));
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_TRUE(done->timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(RunBounded, AProcessGroupOfItsOwnTakesItsHelpersAtTheDeadline) {
  runtime::RunOptions options;
  options.own_process_group = true;
  const auto start = std::chrono::steady_clock::now();
  const auto done =
      runtime::run_bounded(command({"sh", "-c", "sleep 30 & echo $!; wait"}), std::chrono::milliseconds(500), options);
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_TRUE(done->timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  const pid_t helper = static_cast<pid_t>(std::stol(done->out));
  ASSERT_GT(helper, 1);
  // Killed: gone, or a zombie until whoever inherited it reaps it.
  const auto dead = [helper] {
    if (kill(helper, 0) != 0 && errno == ESRCH) return true;
    std::ifstream stat("/proc/" + std::to_string(helper) + "/stat");
    std::string pid, name, state;
    return stat >> pid >> name >> state && state == "Z";
  };
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = dead();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!gone) kill(helper, SIGKILL);
  EXPECT_TRUE(gone) << "the helper " << helper << " outlived the deadline";
}

}  // namespace
}  // namespace gpucert

// WorkerProcess against real small programs (CPU processes): a line goes out, a line comes back, and a
// worker that hangs, dies or cannot start becomes an error value that says which, within its deadline.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "runtime/process.hpp"
#include "runtime/worker_client.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

using runtime::LaunchSpec;
using runtime::WorkerProcess;
using std::chrono::milliseconds;

std::unique_ptr<WorkerProcess> start(const LaunchSpec& spec) {
  auto p = WorkerProcess::start(spec);
  if (!p.ok()) {
    ADD_FAILURE() << p.error().message;
    return nullptr;
  }
  return std::move(p.value());
}

// A child that has exited but is not yet reaped is a zombie ('Z' in /proc/<pid>/stat).
bool wait_until_exited(pid_t pid, milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    std::getline(stat, text);
    const auto paren = text.rfind(')');
    if (paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z') return true;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return false;
}

TEST(WorkerProcess, CatEchoesLines) {
  auto p = start({{"/bin/cat"}, {}, {}});
  ASSERT_NE(p, nullptr);
  auto first = p->exchange(R"({"op":"probe"})", milliseconds(2000));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, R"({"op":"probe"})");
  auto second = p->exchange("second line", milliseconds(2000));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, "second line");
  EXPECT_EQ(p->stop(milliseconds(2000)), "exited with status 0");  // cat ends when its input closes
}

TEST(WorkerProcess, ProgramIsFoundOnPath) {
  auto p = start({{"cat"}, {}, {}});
  ASSERT_NE(p, nullptr);
  auto reply = p->exchange("hello", milliseconds(2000));
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(*reply, "hello");
}

TEST(WorkerProcess, EnvironmentChangesReachTheChild) {
  setenv("GPUCERT_TEST_UNSET_ME", "present", 1);
  auto p = start({{"/bin/sh", "-c", "read line; echo \"$GPUCERT_TEST_SET:${GPUCERT_TEST_UNSET_ME:-gone}\""},
                  {{"GPUCERT_TEST_SET", "value with spaces"}},
                  {"GPUCERT_TEST_UNSET_ME"}});
  unsetenv("GPUCERT_TEST_UNSET_ME");
  ASSERT_NE(p, nullptr);
  auto reply = p->exchange("go", milliseconds(2000));
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(*reply, "value with spaces:gone");
}

TEST(WorkerProcess, SilentProgramTimesOutWithinItsDeadline) {
  auto p = start({{"/bin/sleep", "30"}, {}, {}});
  ASSERT_NE(p, nullptr);
  const auto before = std::chrono::steady_clock::now();
  auto reply = p->exchange(R"({"op":"probe"})", milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - before;
  ASSERT_FALSE(reply.ok());
  EXPECT_HAS(reply.error().message, "no answer");
  EXPECT_HAS(reply.error().message, "300 ms");
  EXPECT_HAS(reply.error().message, "killed");
  EXPECT_GE(took, milliseconds(290));
  EXPECT_LT(took, milliseconds(1000));
  EXPECT_EQ(p->stop(milliseconds(500)), "was killed by signal Killed");
}

TEST(WorkerProcess, ProgramThatExitsGivesItsStatusAndLastWords) {
  // A fixed command of the test's own, not suite input: the one place a shell is fine.
  auto p = start({{"/bin/sh", "-c", "echo oops >&2; exit 3"}, {}, {}});
  ASSERT_NE(p, nullptr);
  auto reply = p->exchange(R"({"op":"probe"})", milliseconds(2000));
  ASSERT_FALSE(reply.ok());
  EXPECT_HAS(reply.error().message, "exited with status 3");
  EXPECT_HAS(reply.error().message, "oops");
  // It stays dead: the next exchange says so at once.
  auto again = p->exchange(R"({"op":"probe"})", milliseconds(2000));
  ASSERT_FALSE(again.ok());
  EXPECT_HAS(again.error().message, "exited with status 3");
}

TEST(WorkerProcess, ProgramThatExitedBeforeTheRequestGivesItsStatusAndLastWords) {
  // The same, when the worker is gone before the request is written (its input pipe then has no reader).
  auto p = start({{"/bin/sh", "-c", "echo oops >&2; exit 3"}, {}, {}});
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(wait_until_exited(p->pid(), milliseconds(900)));
  auto reply = p->exchange(R"({"op":"probe"})", milliseconds(2000));
  ASSERT_FALSE(reply.ok());
  EXPECT_HAS(reply.error().message, "exited with status 3");
  EXPECT_HAS(reply.error().message, "oops");
}

TEST(WorkerProcess, ProgramKilledBySignalSaysWhich) {
  auto p = start({{"/bin/sh", "-c", "kill -TERM $$"}, {}, {}});
  ASSERT_NE(p, nullptr);
  auto reply = p->exchange("x", milliseconds(2000));
  ASSERT_FALSE(reply.ok());
  EXPECT_HAS(reply.error().message, "was killed by signal Terminated");
  EXPECT_HAS(reply.error().message, "(nothing)");  // no last words
}

TEST(WorkerProcess, StderrTailKeepsLastWords) {
  auto p = start({{"/bin/sh", "-c", "echo first >&2; read line; echo second >&2; echo reply"}, {}, {}});
  ASSERT_NE(p, nullptr);
  auto reply = p->exchange("x", milliseconds(2000));
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(*reply, "reply");
  p->stop(milliseconds(1000));
  EXPECT_HAS(p->stderr_tail(), "first");
  EXPECT_HAS(p->stderr_tail(), "second");
}

TEST(WorkerProcess, MissingProgramCannotStart) {
  auto p = WorkerProcess::start({{"/nonexistent/gpucert-worker"}, {}, {}});
  ASSERT_FALSE(p.ok());
  EXPECT_HAS(p.error().message, "cannot start /nonexistent/gpucert-worker");
  EXPECT_HAS(p.error().message, "No such file or directory");
}

TEST(WorkerProcess, EmptyCommandCannotStart) {
  auto p = WorkerProcess::start({});
  ASSERT_FALSE(p.ok());
  EXPECT_HAS(p.error().message, "cannot start a worker: empty command");
}

TEST(WorkerProcess, StopKillsAWorkerThatIgnoresItsClosedInput) {
  auto p = start({{"/bin/sleep", "30"}, {}, {}});
  ASSERT_NE(p, nullptr);
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(p->stop(milliseconds(100)), "was killed by signal Killed");
  EXPECT_LT(std::chrono::steady_clock::now() - before, milliseconds(600));
}

// ---------------------------------------------------------------------------------------------------------
// WorkerClient over a confused worker: an error reply, never an exception

TEST(WorkerClient, ConfusedWorkerGivesAnErrorReply) {
  auto client = runtime::WorkerClient::start(
      {{"/bin/sh", "-c", R"(read line; echo '{"op":"run","ok":"yes","status":"ok","samples_s":[0.001]}')"}, {}, {}});
  ASSERT_TRUE(client.ok()) << client.error().message;
  Measurement m;
  m.id = "stream/triad/fp64/1GiB";
  m.workload = "stream";
  m.repetitions = 1;
  RunReply reply;
  ASSERT_NO_THROW(reply = client->run(m, 0, 1, milliseconds(2000)));
  // Not the protocol: the worker is killed and replaced, and the item is "crashed".
  EXPECT_EQ(reply.status, RunStatus::Crashed);
  EXPECT_HAS(reply.message, "protocol");
  EXPECT_HAS(reply.message, "the worker was killed and replaced");
}

TEST(WorkerClient, AWorkerThatRefusesARequestStays) {
  auto client = runtime::WorkerClient::start(
      {{"/bin/sh", "-c",
        R"(read line; echo '{"op":"error","ok":false,"message":"unknown op"}'; read line; echo '{"op":"quit","ok":true}')"},
       {},
       {}});
  ASSERT_TRUE(client.ok()) << client.error().message;
  Measurement m;
  m.id = "stream/triad/fp64/1GiB";
  m.workload = "stream";
  const auto reply = client->run(m, 0, 1, milliseconds(2000));
  EXPECT_EQ(reply.status, RunStatus::Error);
  EXPECT_HAS(reply.message, "unknown op");
  EXPECT_TRUE(client->alive());
  EXPECT_EQ(client->restarts(), 0);
}

TEST(WorkerClient, AHungWorkerIsTimedOutAndReplaced) {
  auto client = runtime::WorkerClient::start({{"/bin/sh", "-c", "echo 'thinking' >&2; sleep 30"}, {}, {}});
  ASSERT_TRUE(client.ok()) << client.error().message;
  Measurement m;
  m.id = "stream/copy/fp32/1GiB";
  m.workload = "stream";
  const auto before = std::chrono::steady_clock::now();
  const auto reply = client->run(m, 0, 1, milliseconds(300));
  EXPECT_LT(std::chrono::steady_clock::now() - before, milliseconds(2000));
  EXPECT_EQ(reply.status, RunStatus::TimedOut);
  EXPECT_HAS(reply.message, "gave no answer within 300 ms");
  EXPECT_HAS(reply.message, "thinking");
  EXPECT_FALSE(client->alive());
}

TEST(WorkerClient, ConfusedProbeReplyIsAnError) {
  auto client = runtime::WorkerClient::start({{"/bin/sh", "-c", R"(read line; echo '{"op":"probe","ok":1}')"}, {}, {}});
  ASSERT_TRUE(client.ok()) << client.error().message;
  Outcome<ProbeReport> probe = GPUCERT_ERROR("not probed");
  ASSERT_NO_THROW(probe = client->probe(milliseconds(2000)));
  ASSERT_FALSE(probe.ok());
  EXPECT_HAS(probe.error().message, "probe reply is not valid");
}

TEST(WorkerClient, ADeadWorkerIsCrashedAndAFreshOneAnswersTheNextRequest) {
  // The first worker dies; the one started after it answers.
  const auto marker = std::filesystem::temp_directory_path() / ("gpucert-unit-restart-" + std::to_string(getpid()));
  std::filesystem::remove(marker);
  const std::string script = "if [ -e " + marker.string() +
                             " ]; then read line; echo '{\"op\":\"run\",\"ok\":true,"
                             "\"status\":\"ok\",\"samples_s\":[0.001]}'; else touch " +
                             marker.string() + "; echo 'worker crashed' >&2; exit 7; fi";
  auto client = runtime::WorkerClient::start({{"/bin/sh", "-c", script}, {}, {}});
  ASSERT_TRUE(client.ok()) << client.error().message;
  Measurement m;
  m.id = "stream/copy/fp32/1GiB";
  m.workload = "stream";
  const auto reply = client->run(m, 0, 1, milliseconds(2000));
  EXPECT_EQ(reply.status, RunStatus::Crashed);
  EXPECT_HAS(reply.message, "exited with status 7");
  EXPECT_HAS(reply.message, "worker crashed");
  EXPECT_FALSE(client->alive());
  EXPECT_EQ(client->run(m, 0, 1, milliseconds(2000)).status, RunStatus::Ok);
  EXPECT_EQ(client->restarts(), 1);
  std::filesystem::remove(marker);
}

}  // namespace
}  // namespace gpucert

// A container worker's pid as the host sees it (runtime/host_pid.hpp): from a /proc tree laid out by hand, and
// from a real process in a new PID namespace where the test may create one (root, or a user namespace).
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "runtime/host_pid.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert::runtime {
namespace {

namespace fs = std::filesystem;
using testing_helpers::TempDir;

// PROC/<pid>/ns/pid as a plain file: its inode stands for the namespace, as stat() of the real link gives.
std::uint64_t add_process(const fs::path& proc, const std::string& pid, const std::string& nspid,
                          const fs::path& same_namespace_as = {}) {
  fs::create_directories(proc / pid / "ns");
  if (same_namespace_as.empty())
    std::ofstream(proc / pid / "ns/pid") << "pid";
  else
    fs::create_hard_link(same_namespace_as, proc / pid / "ns/pid");
  std::ofstream(proc / pid / "status") << "Name:\tgpucert-worker\nTgid:\t" << pid << "\nNSpid:\t" << nspid
                                       << "\nPPid:\t1\n";
  struct stat st {};
  EXPECT_EQ(::stat((proc / pid / "ns/pid").c_str(), &st), 0);
  return st.st_ino;
}

TEST(HostPid, FindsTheProcessByItsNamespaceAndInnermostPid) {
  const TempDir dir;
  const auto proc = dir.path / "proc";
  const auto host = add_process(proc, "1", "1");
  fs::create_directories(proc / "self/ns");
  fs::create_hard_link(proc / "1/ns/pid", proc / "self/ns/pid");
  const auto container_a = add_process(proc, "2973", "2973\t1");
  add_process(proc, "2990", "2990\t7", proc / "2973/ns/pid");
  const auto container_b = add_process(proc, "3017", "3017\t1");
  std::ofstream(proc / "uptime") << "1.0 1.0";  // not a process

  EXPECT_EQ(host_pid_of(container_a, 1, proc), 2973u);
  EXPECT_EQ(host_pid_of(container_a, 7, proc), 2990u);
  EXPECT_EQ(host_pid_of(container_b, 1, proc), 3017u);
  EXPECT_EQ(host_pid_of(host, 4242, proc), 4242u);             // the caller's own namespace: the pid is the host's
  EXPECT_EQ(host_pid_of(container_b, 7, proc), std::nullopt);  // ended, or never there
  EXPECT_EQ(host_pid_of(0, 1, proc), std::nullopt);            // a worker that could not read its namespace
  EXPECT_EQ(host_pid_of(container_a, 1, dir.path / "no-proc"), std::nullopt);
}

TEST(HostPid, NestedNamespacesUseTheInnermostPid) {
  const TempDir dir;
  const auto proc = dir.path / "proc";
  add_process(proc, "1", "1");
  fs::create_directories(proc / "self/ns");
  fs::create_hard_link(proc / "1/ns/pid", proc / "self/ns/pid");
  const auto inner = add_process(proc, "8100", "8100\t45\t3");  // a container in a container
  EXPECT_EQ(host_pid_of(inner, 3, proc), 8100u);
  EXPECT_EQ(host_pid_of(inner, 45, proc), std::nullopt);
}

TEST(HostPid, ThisProcessIsItself) {
  const auto self = static_cast<std::uint32_t>(getpid());
  EXPECT_NE(own_pid_namespace(), 0u);
  EXPECT_EQ(host_pid_of(own_pid_namespace(), self), self);
}

// The real kernel: a child in a new PID namespace is pid 1 there, and is found by its host pid.
TEST(HostPid, FindsAProcessInARealNewPidNamespace) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t middle = fork();
  ASSERT_GE(middle, 0);
  if (middle == 0) {
    close(ready[0]);
    if (unshare(CLONE_NEWPID) != 0) _exit(77);  // not allowed here (no CAP_SYS_ADMIN)
    const pid_t inner = fork();                 // pid 1 of the new namespace
    if (inner < 0) _exit(1);
    if (inner == 0) {
      pause();
      _exit(0);
    }
    const auto host = static_cast<long>(inner);  // fork() returns it as this (the host's) namespace numbers it
    if (write(ready[1], &host, sizeof host) != sizeof host) _exit(1);
    waitpid(inner, nullptr, 0);
    _exit(0);
  }
  close(ready[1]);
  long host = 0;
  const bool got = read(ready[0], &host, sizeof host) == sizeof host;
  close(ready[0]);
  if (!got) {
    int status = 0;
    waitpid(middle, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77) GTEST_SKIP() << "no permission to create a PID namespace";
    FAIL() << "the child in a new PID namespace did not start";
  }
  struct stat st {};
  ASSERT_EQ(::stat(("/proc/" + std::to_string(host) + "/ns/pid").c_str(), &st), 0);
  EXPECT_NE(static_cast<std::uint64_t>(st.st_ino), own_pid_namespace());
  EXPECT_EQ(host_pid_of(st.st_ino, 1), static_cast<std::uint32_t>(host));
  kill(static_cast<pid_t>(host), SIGKILL);
  waitpid(middle, nullptr, 0);
}

}  // namespace
}  // namespace gpucert::runtime

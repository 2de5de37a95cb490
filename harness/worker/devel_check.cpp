#include "devel_check.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "probe_libraries.hpp"

extern char** environ;

namespace gpucert::worker {
namespace {

using Clock = std::chrono::steady_clock;

// n threads each write 3 i + 7; the host sums them. The expected sum is computed below from the same formula.
constexpr unsigned kElements = 4096;
constexpr const char* kMarker = "gpucert-devel-check: result ";
constexpr const char* kProgram = R"CU(// Written by gpucert-worker's devel check.
#include <cstdio>
#include <cuda_runtime.h>

__global__ void fill(unsigned* out, unsigned n) {
  const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = 3u * i + 7u;
}

static int fail(const char* step, cudaError_t e) {
  std::printf("gpucert-devel-check: %s failed: %s (%s)\n", step, cudaGetErrorName(e), cudaGetErrorString(e));
  return 2;
}

int main() {
  const unsigned n = 4096;
  static unsigned host[4096];
  unsigned* device = nullptr;
  cudaError_t e = cudaMalloc(&device, n * sizeof(unsigned));
  if (e != cudaSuccess) return fail("cudaMalloc", e);
  fill<<<(n + 255) / 256, 256>>>(device, n);
  if ((e = cudaGetLastError()) != cudaSuccess) return fail("the kernel launch", e);
  if ((e = cudaDeviceSynchronize()) != cudaSuccess) return fail("the kernel", e);
  if ((e = cudaMemcpy(host, device, sizeof host, cudaMemcpyDeviceToHost)) != cudaSuccess) return fail("cudaMemcpy", e);
  cudaFree(device);
  unsigned long long sum = 0;
  for (unsigned i = 0; i < n; ++i) sum += host[i];
  std::printf("gpucert-devel-check: result %llu\n", sum);
  return 0;
}
)CU";

unsigned long long expected_sum() {
  unsigned long long sum = 0;
  for (unsigned i = 0; i < kElements; ++i) sum += 3ull * i + 7ull;
  return sum;
}

// Runs argv[0] (a path) to its end or the deadline, stdout and stderr together into the outcome's output.
ProcessOutcome run_child(const std::vector<std::string>& argv, Clock::time_point deadline) {
  ProcessOutcome p;
  p.argv = argv;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    p.output = std::string("pipe: ") + std::strerror(errno);
    return p;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // stdin from /dev/null: the worker's stdin is the protocol's.
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // its own group: the deadline takes its helpers too
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<std::string> args = argv;
  std::vector<char*> raw;
  for (auto& a : args) raw.push_back(a.data());
  raw.push_back(nullptr);
  // Every path is absolute: the child needs no working directory of its own.
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, raw[0], &actions, &attr, raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    p.output = std::string("cannot start ") + argv[0] + ": " + std::strerror(rc);
    return p;
  }
  std::string output;
  char buffer[4096];
  bool open = true;
  while (open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      p.timed_out = true;
      break;
    }
    pollfd fd{pipe_fds[0], POLLIN, 0};
    const int ready = poll(&fd, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const auto n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      if (output.size() < (1u << 20)) output.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      open = false;
    }
  }
  close(pipe_fds[0]);
  if (p.timed_out) kill(-pid, SIGKILL);
  // The output closed (or the deadline passed and the group was killed): reap it, killing it at the deadline
  // should it have closed its output and gone on running.
  int status = 0;
  bool reaped = false;
  while (!reaped) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      reaped = true;
    } else if (done < 0 && errno != EINTR) {
      break;
    } else {
      if (Clock::now() >= deadline && !p.timed_out) {
        p.timed_out = true;
        kill(-pid, SIGKILL);
      }
      usleep(20000);
    }
  }
  if (!reaped) status = 0;
  if (reaped && WIFEXITED(status)) p.exit_code = WEXITSTATUS(status);
  if (reaped && WIFSIGNALED(status)) p.signal = WTERMSIG(status);
  if (p.timed_out) output += "\n[killed at the deadline]";
  p.output = truncate_output(output);
  return p;
}

std::string describe(const ProcessOutcome& p) {
  if (p.timed_out) return "did not finish before the deadline";
  if (p.signal) return "was killed by signal " + std::to_string(p.signal);
  return "exited with " + std::to_string(p.exit_code);
}

// "Cuda compilation tools, release 13.0, V13.0.88", else the last line.
std::string version_line(const std::string& output) {
  std::string last;
  std::size_t start = 0;
  while (start < output.size()) {
    auto end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const auto line = output.substr(start, end - start);
    if (line.find("release") != std::string::npos) return line;
    if (!line.empty()) last = line;
    start = end + 1;
  }
  return last;
}

std::string temporary_root() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

}  // namespace

DevelCheckReply run_devel_check(int timeout_s) {
  DevelCheckReply reply;
  reply.ok = true;
  reply.expected = std::to_string(expected_sum());
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s < 1 ? 1 : timeout_s);
  reply.nvcc = find_nvcc();
  if (reply.nvcc.empty()) {
    reply.message = "no nvcc on PATH (" + std::string(std::getenv("PATH") ? std::getenv("PATH") : "") +
                    ") nor in /usr/local/cuda/bin";
    return reply;
  }
  std::string pattern = temporary_root() + "/gpucert-devel-XXXXXX";
  if (!mkdtemp(pattern.data())) {
    reply.message = "cannot make a temporary folder under " + temporary_root() + ": " + std::strerror(errno);
    return reply;
  }
  const std::filesystem::path folder(pattern.c_str());
  const auto source = (folder / "devel_check.cu").string();
  const auto binary = (folder / "devel_check").string();
  {
    std::ofstream out(source);
    out << kProgram;
    if (!out) {
      reply.message = "cannot write " + source;
      std::error_code ec;
      std::filesystem::remove_all(folder, ec);
      return reply;
    }
  }
  const auto version = run_child({reply.nvcc, "--version"}, deadline);
  reply.nvcc_version = version_line(version.output);
  reply.compile = run_child({reply.nvcc, "-o", binary, source}, deadline);
  if (reply.compile->exit_code != 0 || reply.compile->timed_out) {
    reply.message = "nvcc " + describe(*reply.compile) + " compiling a one-kernel program";
  } else {
    reply.run = run_child({binary}, deadline);
    const auto& output = reply.run->output;
    if (const auto at = output.find(kMarker); at != std::string::npos) {
      const auto begin = at + std::strlen(kMarker);
      reply.result = output.substr(begin, output.find_first_not_of("0123456789", begin) - begin);
    }
    if (reply.run->exit_code != 0 || reply.run->timed_out)
      reply.message = "the compiled program " + describe(*reply.run);
    else if (reply.result != reply.expected)
      reply.message = "the kernel's sum is " + (reply.result.empty() ? std::string("missing") : reply.result) +
                      ", expected " + reply.expected;
    else
      reply.message = "nvcc compiled the program and its kernel summed to " + reply.result + ", as expected";
  }
  std::error_code ec;
  std::filesystem::remove_all(folder, ec);
  return reply;
}

}  // namespace gpucert::worker

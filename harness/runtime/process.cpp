#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/utf8.hpp"
#include "stop_signal.hpp"

extern char** environ;

namespace gpucert::runtime {
namespace {

constexpr std::size_t kStderrTailBytes = 8192;

std::vector<std::string> child_environment(const LaunchSpec& spec) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const auto name = entry.substr(0, entry.find('='));
    if (spec.set_env.count(name)) continue;
    if (std::find(spec.unset_env.begin(), spec.unset_env.end(), name) != spec.unset_env.end()) continue;
    env.push_back(entry);
  }
  for (const auto& [name, value] : spec.set_env) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Starts `spec` with stdin from `stdin_fd` (-1: /dev/null) and stdout/stderr into the given pipe ends, never
// through a shell; with `own_group`, as the leader of a new process group. Returns posix_spawnp's error number
// (0 on success).
int spawn(const LaunchSpec& spec, int stdin_fd, int stdout_fd, int stderr_fd, bool own_group, pid_t* pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdin_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, stdin_fd, STDIN_FILENO);
  else
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, stderr_fd, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (own_group) {
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
  }
  auto argv_strings = spec.argv;
  auto env_strings = child_environment(spec);
  auto argv = pointers(argv_strings);
  auto envp = pointers(env_strings);
  const int rc = posix_spawnp(pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

}  // namespace

Outcome<std::unique_ptr<WorkerProcess>> WorkerProcess::start(const LaunchSpec& spec) {
  if (spec.argv.empty()) return GPUCERT_ERROR("cannot start a worker: empty command");
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
    return GPUCERT_ERROR(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = -1;
  const int rc = spawn(spec, in[0], out[1], err[1], false, &pid);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    close(err[0]);
    return GPUCERT_ERROR("cannot start " + spec.argv[0] + ": " + std::strerror(rc));
  }
  std::unique_ptr<WorkerProcess> p(new WorkerProcess());
  p->pid_ = pid;
  p->stdin_fd_ = in[1];
  p->stdout_fd_ = out[0];
  p->stderr_fd_ = err[0];
  fcntl(p->stderr_fd_, F_SETFL, fcntl(p->stderr_fd_, F_GETFL) | O_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);  // a dead worker must give EPIPE, not kill gpucert
  return p;
}

WorkerProcess::~WorkerProcess() { stop(std::chrono::milliseconds(2000)); }

void WorkerProcess::drain_stderr() {
  if (stderr_fd_ < 0) return;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(stderr_fd_, buf, sizeof buf);
    if (n == 0) {  // closed: stop polling it, or poll() would report the hang-up on every turn
      close(stderr_fd_);
      stderr_fd_ = -1;
      break;
    }
    if (n < 0) break;
    stderr_tail_.append(buf, static_cast<std::size_t>(n));
  }
  if (stderr_tail_.size() > kStderrTailBytes) stderr_tail_.erase(0, stderr_tail_.size() - kStderrTailBytes);
}

std::string WorkerProcess::last_words() const { return stderr_tail_.empty() ? "(nothing)" : valid_utf8(stderr_tail_); }

std::string WorkerProcess::stderr_tail() const { return valid_utf8(stderr_tail_); }

void WorkerProcess::kill_now() {
  if (pid_ < 0 || exited_) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exited_ = true;
  exit_status_ = status;
  drain_stderr();
}

std::string WorkerProcess::describe_exit(int status) const {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
  return "stopped";
}

Outcome<std::string> WorkerProcess::exchange(const std::string& line, std::chrono::milliseconds timeout) {
  last_failure_ = ExchangeFailure::None;
  if (exited_) {
    last_failure_ = ExchangeFailure::Died;
    return GPUCERT_ERROR("worker already " + describe_exit(exit_status_));
  }
  const std::string message = line + "\n";
  std::size_t written = 0;
  while (written < message.size()) {
    const ssize_t n = write(stdin_fd_, message.data() + written, message.size() - written);
    if (n < 0 && errno == EINTR) continue;
    // No reader: the worker has exited, or is about to. Read on, so that the error names its exit status.
    if (n < 0 && errno == EPIPE) break;
    if (n < 0) {
      drain_stderr();
      last_failure_ = ExchangeFailure::Unwritable;
      return GPUCERT_ERROR(std::string("worker does not read its input (") + std::strerror(errno) +
                           "); its last words: " + last_words());
    }
    written += static_cast<std::size_t>(n);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto nl = stdout_buffer_.find('\n'); nl != std::string::npos) {
      std::string reply = stdout_buffer_.substr(0, nl);
      stdout_buffer_.erase(0, nl + 1);
      return valid_utf8(reply);
    }
    if (stdout_buffer_.size() > kMaxReplyBytes) {
      kill_now();
      last_failure_ = ExchangeFailure::Oversized;
      stdout_buffer_.clear();
      return GPUCERT_ERROR("worker wrote more than " + std::to_string(kMaxReplyBytes >> 20) +
                           " MiB without ending its reply line, and was killed; its last words: " + last_words());
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill_now();
      last_failure_ = ExchangeFailure::TimedOut;
      const auto limit = timeout.count() % 1000 == 0 ? std::to_string(timeout.count() / 1000) + " s"
                                                     : std::to_string(timeout.count()) + " ms";
      return GPUCERT_ERROR("worker gave no answer within " + limit +
                           " and was killed; its last words: " + last_words());
    }
    if (const int signal = stop_requested()) {
      kill_now();
      last_failure_ = ExchangeFailure::Interrupted;
      return GPUCERT_ERROR("gpucert was stopped by " + signal_name(signal) + " while the worker was busy");
    }
    pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
    // Short turns: a stop signal may land on another thread (MPI's) and not wake this poll; mpirun gives the
    // ranks one second between SIGTERM and SIGKILL to write the partial reports.
    const int ready = poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 100)));
    if (ready < 0 && errno != EINTR) {
      const int saved = errno;
      kill_now();
      last_failure_ = ExchangeFailure::Died;
      return GPUCERT_ERROR(std::string("poll: ") + std::strerror(saved));
    }
    if (fds[1].revents) drain_stderr();
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      char buf[65536];
      const ssize_t n = read(stdout_fd_, buf, sizeof buf);
      if (n > 0) {
        stdout_buffer_.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) {  // the worker closed its output: it died or exited, or it is killed now (it cannot answer)
        int status = 0;
        const auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (waitpid(pid_, &status, WNOHANG) == 0) {
          if (std::chrono::steady_clock::now() > grace) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            break;
          }
          usleep(10000);
        }
        exited_ = true;
        exit_status_ = status;
        drain_stderr();
        last_failure_ = ExchangeFailure::Died;
        return GPUCERT_ERROR("worker " + describe_exit(status) + " before answering; its last words: " + last_words());
      }
    }
  }
}

std::string WorkerProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ < 0) return "not started";
  if (stdin_fd_ >= 0) {
    close(stdin_fd_);
    stdin_fd_ = -1;
  }
  if (!exited_) {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      usleep(10000);
    }
    exited_ = true;
    exit_status_ = status;
  }
  drain_stderr();
  for (int* fd : {&stdout_fd_, &stderr_fd_})
    if (*fd >= 0) {
      close(*fd);
      *fd = -1;
    }
  return describe_exit(exit_status_);
}

Outcome<CompletedProcess> run_bounded(const LaunchSpec& spec, std::chrono::milliseconds timeout,
                                      const RunOptions& options) {
  if (spec.argv.empty()) return GPUCERT_ERROR("cannot run an empty command");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int out[2] = {-1, -1}, err[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC)) return GPUCERT_ERROR(std::string("pipe: ") + std::strerror(errno));
  if (!options.stderr_into_stdout && pipe2(err, O_CLOEXEC)) {
    const int saved = errno;
    close(out[0]);
    close(out[1]);
    return GPUCERT_ERROR(std::string("pipe: ") + std::strerror(saved));
  }
  pid_t pid = -1;
  const int rc = spawn(spec, -1, out[1], options.stderr_into_stdout ? out[1] : err[1], options.own_process_group, &pid);
  close(out[1]);
  if (err[1] >= 0) close(err[1]);
  if (rc != 0) {
    close(out[0]);
    if (err[0] >= 0) close(err[0]);
    return GPUCERT_ERROR("cannot run " + spec.argv[0] + ": " + std::strerror(rc));
  }
  // With a group of its own, the kill takes the helpers it started too (nvcc's cicc and ptxas, a python
  // import's subprocesses), which could otherwise hold the pipes open past the deadline.
  const pid_t target = options.own_process_group ? -pid : pid;
  CompletedProcess done;
  bool killed = false;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};  // poll skips negative descriptors
  std::string* sinks[2] = {&done.out, &done.err};
  int open_fds = err[0] >= 0 ? 2 : 1;
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      done.timed_out = true;
      break;
    }
    const int ready = poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      killed = true;  // cannot watch it any more: do not wait on it forever either
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        std::string& sink = *sinks[i];
        const auto keep = options.output_limit == 0
                              ? static_cast<std::size_t>(n)
                              : std::min(static_cast<std::size_t>(n),
                                         options.output_limit - std::min(options.output_limit, sink.size()));
        sink.append(buf, keep);
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& fd : fds)
    if (fd.fd >= 0) close(fd.fd);
  if (done.timed_out || killed) kill(target, SIGKILL);
  // Its output is closed (or it was killed): reap it, killing it at the deadline should it have closed its
  // output and gone on running.
  int status = 0;
  bool reaped = false;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      reaped = true;
      break;
    }
    if (r < 0 && errno != EINTR) break;
    if (r == 0 && !done.timed_out && std::chrono::steady_clock::now() >= deadline) {
      done.timed_out = true;
      kill(target, SIGKILL);
    }
    usleep(10000);
  }
  if (reaped && WIFEXITED(status)) done.exit_code = WEXITSTATUS(status);
  if (reaped && WIFSIGNALED(status)) done.signal = WTERMSIG(status);
  return done;
}

Outcome<CompletedProcess> run_to_completion(const LaunchSpec& spec, std::chrono::milliseconds timeout) {
  auto done = run_bounded(spec, timeout);
  if (done.ok() && done->timed_out) {
    const auto limit = std::to_string(timeout.count()) + " ms";
    return GPUCERT_ERROR(spec.argv[0] + " did not finish within " + limit + " and was killed");
  }
  return done;
}

}  // namespace gpucert::runtime

// The one module that starts processes: a worker with pipes to its stdin, stdout and stderr, spoken to one
// line at a time with a deadline, so a hung or dead worker becomes an error value, never a hung gpucert.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <sys/types.h>

#include "core/error.hpp"
#include "launch_spec.hpp"

namespace gpucert::runtime {

// Why the last exchange gave no reply: the worker ran past the deadline (killed), died or closed its output,
// could not be written to, sent a line longer than kMaxReplyBytes (killed), or gpucert was asked to stop
// (stop_signal.hpp; killed).
enum class ExchangeFailure { None, TimedOut, Died, Unwritable, Oversized, Interrupted };
// A reply line larger than this is no reply: the worker is killed before it fills gpucert's memory.
inline constexpr std::size_t kMaxReplyBytes = 64u << 20;

class WorkerProcess {
 public:
  static Outcome<std::unique_ptr<WorkerProcess>> start(const LaunchSpec& spec);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Writes `line` and a newline, then waits for one line back. On timeout the worker is killed. The reply's
  // invalid UTF-8 comes back as U+FFFD (core/utf8.hpp).
  Outcome<std::string> exchange(const std::string& line, std::chrono::milliseconds timeout);
  [[nodiscard]] ExchangeFailure last_failure() const { return last_failure_; }
  // Kills the worker now (a reply that is not the protocol: what it does next cannot be trusted).
  void kill_now();
  // Closes stdin, waits up to `grace` for the worker to exit, then kills it. Returns the exit status text.
  std::string stop(std::chrono::milliseconds grace);
  // The last few KiB the worker wrote to stderr: the evidence when it dies.
  [[nodiscard]] std::string stderr_tail() const;  // invalid UTF-8 as U+FFFD
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  WorkerProcess() = default;
  void drain_stderr();
  std::string describe_exit(int status) const;
  std::string last_words() const;
  pid_t pid_ = -1;
  int stdin_fd_ = -1, stdout_fd_ = -1, stderr_fd_ = -1;
  std::string stdout_buffer_;
  std::string stderr_tail_;
  bool exited_ = false;
  ExchangeFailure last_failure_ = ExchangeFailure::None;
  int exit_status_ = 0;
};

// A short command run to its end: stdin from /dev/null, stdout and stderr captured through pipes of their own
// (never the caller's), killed at the deadline. For questions asked of the host (`ldconfig -p`) and for the
// worker's helpers (nvcc, python3), not for workers.
struct RunOptions {
  bool stderr_into_stdout = false;  // one stream, in the order written, into `out`; `err` stays empty
  bool own_process_group = false;   // the command leads a new process group: the deadline kills the whole group,
                                    // helpers it started included
  std::size_t output_limit = 0;     // bytes kept of each stream (0: all); the rest is read and dropped
};
struct CompletedProcess {
  int exit_code = -1;      // -1 when a signal ended it
  int signal = 0;          // the signal that ended it, when one did
  bool timed_out = false;  // killed at the deadline
  std::string out;
  std::string err;
};
// An error only when the command could not be started; one past its deadline is killed and comes back with
// timed_out set and what it wrote until then. Reaped before it returns, also when it closed its output and
// went on running.
Outcome<CompletedProcess> run_bounded(const LaunchSpec& spec, std::chrono::milliseconds timeout,
                                      const RunOptions& options = {});
// As run_bounded, with the deadline an error.
Outcome<CompletedProcess> run_to_completion(const LaunchSpec& spec, std::chrono::milliseconds timeout);

}  // namespace gpucert::runtime

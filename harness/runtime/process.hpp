// The one module that starts processes: a worker with pipes to its stdin, stdout and stderr, spoken to one
// line at a time with a deadline, so a hung or dead worker becomes an error value, never a hung gpucert.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <sys/types.h>

#include "core/error.hpp"
#include "launch_spec.hpp"

namespace gpucert::runtime {

class WorkerProcess {
 public:
  static Outcome<std::unique_ptr<WorkerProcess>> start(const LaunchSpec& spec);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Writes `line` and a newline, then waits for one line back. On timeout the worker is killed.
  Outcome<std::string> exchange(const std::string& line, std::chrono::milliseconds timeout);
  // Closes stdin, waits up to `grace` for the worker to exit, then kills it. Returns the exit status text.
  std::string stop(std::chrono::milliseconds grace);
  // The last few KiB the worker wrote to stderr: the evidence when it dies.
  [[nodiscard]] std::string stderr_tail() const { return stderr_tail_; }
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
  int exit_status_ = 0;
};

// A short command run to its end: stdin empty, stdout and stderr captured, killed at the deadline. For
// questions asked of the host (`ldconfig -p`), not for workers.
struct CompletedProcess {
  int exit_code = -1;   // -1 when a signal ended it
  std::string out;
  std::string err;
};
Outcome<CompletedProcess> run_to_completion(const LaunchSpec& spec, std::chrono::milliseconds timeout);

}  // namespace gpucert::runtime

#include "probe_python.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

extern char** environ;

namespace gpucert::worker {
namespace {

// Prints one JSON line. find_spec first: where torch is absent this costs one interpreter start, no import.
constexpr const char* kScript = R"PY(
import json, sys, warnings
r = {"torch_version": None, "torch_cuda": None, "is_available": False, "device_count": 0, "error": None, "warnings": []}
try:
    import importlib.util
    if importlib.util.find_spec("torch") is not None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                import torch
                r["torch_version"] = str(torch.__version__)
                r["torch_cuda"] = torch.version.cuda
                r["is_available"] = bool(torch.cuda.is_available())
                r["device_count"] = int(torch.cuda.device_count())
            finally:
                r["warnings"] = [str(w.message)[:500] for w in caught][:8]
except BaseException as e:
    r["error"] = (type(e).__name__ + ": " + str(e))[:1000]
sys.stdout.write("\n" + json.dumps(r) + "\n")
)PY";

constexpr std::size_t kOutputLimit = 1 << 16;

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = dirs.find(':', start);
    auto dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (dir.empty()) dir = ".";
    const auto candidate = dir + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

int timeout_seconds() {
  if (const char* text = std::getenv("GPUCERT_PROBE_PYTHON_TIMEOUT_S")) {
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (end != text && *end == '\0' && value >= 1 && value <= 300) return static_cast<int>(value);
  }
  return 20;
}

struct Finished {
  std::string out, err;
  bool timed_out = false;
  int status = 0;
  std::string spawn_error;
};

Finished run_script(const std::string& python, int timeout_s) {
  Finished f;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    f.spawn_error = std::string("pipe: ") + std::strerror(errno);
    return f;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    f.spawn_error = std::string("pipe: ") + std::strerror(errno);
    close(out_pipe[0]);
    close(out_pipe[1]);
    return f;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // stdin from /dev/null: the worker's own stdin is the protocol's, never the script's.
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group: at the deadline the whole group goes, helpers the import started included.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  // As a user would run it (PYTHONPATH and user site-packages count): only the script is ours.
  std::string arg0 = python, flag_c = "-c", script = kScript;
  char* argv[] = {arg0.data(), flag_c.data(), script.data(), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, python.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    f.spawn_error = std::string("cannot start ") + python + ": " + std::strerror(rc);
    return f;
  }

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&f.out, &f.err};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      f.timed_out = true;
      break;
    }
    const int ready = poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[4096];
      const auto n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        if (sinks[i]->size() < kOutputLimit) sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& fd : fds)
    if (fd.fd >= 0) close(fd.fd);
  if (f.timed_out) kill(-pid, SIGKILL);
  // The script has closed its output: it ends promptly, or at the deadline it is killed.
  for (;;) {
    const pid_t done = waitpid(pid, &f.status, f.timed_out ? 0 : WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (done == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        f.timed_out = true;
        kill(-pid, SIGKILL);
      } else {
        usleep(10000);
      }
    }
  }
  return f;
}

std::string last_line(const std::string& text) {
  auto end = text.find_last_not_of("\r\n ");
  if (end == std::string::npos) return {};
  const auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

std::string tail(const std::string& text, std::size_t n) {
  const auto trimmed = text.substr(0, text.find_last_not_of("\r\n ") + 1);
  return trimmed.size() <= n ? trimmed : "..." + trimmed.substr(trimmed.size() - n);
}

std::string text_or_empty(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

}  // namespace

std::optional<PythonTorchProbe> probe_python_torch() {
  if (const char* off = std::getenv("GPUCERT_PROBE_PYTHON"); off && std::string(off) == "0") return std::nullopt;
  const auto python = find_on_path("python3");
  if (python.empty()) return std::nullopt;
  PythonTorchProbe t;
  t.python = python;
  const int timeout_s = timeout_seconds();
  const auto f = run_script(python, timeout_s);
  if (!f.spawn_error.empty()) {
    t.error = f.spawn_error;
    return t;
  }
  if (f.timed_out) {
    t.error = python + " did not answer within " + std::to_string(timeout_s) +
              " s and was killed (GPUCERT_PROBE_PYTHON_TIMEOUT_S sets the limit, GPUCERT_PROBE_PYTHON=0 skips it)";
    return t;
  }
  const auto reply = nlohmann::json::parse(last_line(f.out), nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    t.error = python + " gave no answer (" +
              (WIFEXITED(f.status) ? "exit code " + std::to_string(WEXITSTATUS(f.status))
                                   : "killed by signal " + std::to_string(WTERMSIG(f.status))) +
              "): " + tail(f.err.empty() ? f.out : f.err, 600);
    return t;
  }
  t.torch_version = text_or_empty(reply, "torch_version");
  t.torch_cuda = text_or_empty(reply, "torch_cuda");
  if (auto a = reply.find("is_available"); a != reply.end() && a->is_boolean()) t.is_available = a->get<bool>();
  if (auto c = reply.find("device_count"); c != reply.end() && c->is_number_integer()) t.device_count = c->get<int>();
  t.error = text_or_empty(reply, "error");
  if (auto w = reply.find("warnings"); w != reply.end() && w->is_array())
    for (const auto& item : *w)
      if (item.is_string()) t.warnings.push_back(item.get<std::string>());
  return t;
}

}  // namespace gpucert::worker

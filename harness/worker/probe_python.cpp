#include "probe_python.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/process.hpp"

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

std::string last_line(const std::string& text) {
  auto end = text.find_last_not_of("\r\n ");
  if (end == std::string::npos) return {};
  const auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end - (start == std::string::npos ? 0 : start + 1) + 1);
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
  // As a user would run it (PYTHONPATH and user site-packages count): only the script is ours. Its stdin is
  // /dev/null and its output pipes of its own (the worker's stdin and stdout are the protocol's); it runs in a
  // process group of its own, so the deadline takes helpers the import started too.
  runtime::LaunchSpec spec;
  spec.argv = {python, "-c", kScript};
  runtime::RunOptions options;
  options.own_process_group = true;
  options.output_limit = kOutputLimit;
  const auto f = runtime::run_bounded(spec, std::chrono::seconds(timeout_s), options);
  if (!f.ok()) {
    t.error = f.error().message;
    return t;
  }
  if (f->timed_out) {
    t.error = python + " did not answer within " + std::to_string(timeout_s) +
              " s and was killed (GPUCERT_PROBE_PYTHON_TIMEOUT_S sets the limit, GPUCERT_PROBE_PYTHON=0 skips it)";
    return t;
  }
  const auto reply = nlohmann::json::parse(last_line(f->out), nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    t.error = python + " gave no answer (" +
              (f->signal == 0 ? "exit code " + std::to_string(f->exit_code)
                              : "killed by signal " + std::to_string(f->signal)) +
              "): " + tail(f->err.empty() ? f->out : f->err, 600);
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

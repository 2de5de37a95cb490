// gpucert-worker: the one program that runs inside every environment (natively, in every image flavour).
// It speaks the JSON Lines protocol of core/protocol.hpp on stdin/stdout and logs to stderr.
#include <fcntl.h>
#include <unistd.h>

#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <variant>

#include "core/line_reader.hpp"
#include "core/protocol.hpp"
#include "devel_check.hpp"
#include "dispatch.hpp"
#include "plugins.hpp"
#include "probe.hpp"
#include "telemetry.hpp"

namespace {

constexpr const char* kUsage = R"(gpucert-worker: runs gpucert workloads in this environment.

Usage:
  gpucert-worker            serve the JSON Lines protocol on stdin/stdout (started by gpucert)
  gpucert-worker --probe    print what CUDA and the driver look like here, as JSON, and exit
  gpucert-worker --version  print the version and exit

Requests, one JSON object a line:
  {"op":"probe"}
  {"op":"run","workload":"stream","params":{"kernel":"triad","precision":"fp64","elements":268435456},
   "warmup":3,"repetitions":20,"device":0,"seed":1}
  {"op":"nccl_id"}   {"op":"nccl_init","id":"<hex>","rank":0,"nranks":2,"device":0,"timeout_s":300}
  {"op":"devel_check","timeout_s":120}   (nvcc compiles a kernel that then runs: the devel flavour's check)
  {"op":"health"}    (NVML's view of every GPU, and the Xid events since the worker started)
  {"op":"quit"}
Each run reply carries the GPU's telemetry (clocks, power, clock-event reasons, other processes), read through
the driver's libnvidia-ml.so.1 every GPUCERT_TELEMETRY_PERIOD_MS (default 5; 0 turns it off).
Logs go to stderr. Plugins (libgpucert-*.so) are looked up beside this program or in GPUCERT_PLUGIN_DIR.
)";

// Libraries may print to stdout; the protocol must own it. Replies go to a private copy of fd 1, and fd 1
// itself is pointed at stderr.
FILE* take_protocol_stream() {
  const int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);  // not inherited by the processes the worker starts
  if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) return stdout;
  FILE* out = fdopen(fd, "w");
  return out ? out : stdout;
}

void reply(FILE* out, const std::string& line) {
  std::fputs(line.c_str(), out);
  std::fputc('\n', out);
  std::fflush(out);
}

// The worker's answer to each request type. std::visit calls the overload of the request's type, so a request type
// added to core/protocol.hpp without an answer here does not compile.
struct Answer {
  std::string line;
  bool quit = false;  // the last answer: the worker exits after it
};

struct RequestServer {
  const gpucert::worker::PluginSet& plugins;

  Answer operator()(const gpucert::QuitRequest&) const { return {R"({"op":"quit","ok":true})", true}; }
  Answer operator()(const gpucert::ProbeRequest&) const {
    auto probe = gpucert::to_json(gpucert::worker::probe_environment(plugins.availability()));
    probe["op"] = "probe";
    probe["ok"] = true;
    return {probe.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
  }
  Answer operator()(const gpucert::NcclIdRequest& request) const {
    return {gpucert::worker::dispatch_nccl(request, plugins)};
  }
  Answer operator()(const gpucert::NcclInitRequest& request) const {
    return {gpucert::worker::dispatch_nccl(request, plugins)};
  }
  Answer operator()(const gpucert::HealthRequest&) const {
    return {gpucert::encode_health_reply(gpucert::worker::gpu_health())};
  }
  Answer operator()(const gpucert::DevelCheckRequest& devel) const {
    std::cerr << "gpucert-worker: devel check (nvcc, then the program it built), " << devel.timeout_s << " s at most\n";
    return {gpucert::encode_devel_check_reply(gpucert::worker::run_devel_check(devel.timeout_s))};
  }
  Answer operator()(const gpucert::RunRequest& run) const {
    std::cerr << "gpucert-worker: running " << run.id << " on device " << run.device << "\n";
    return {gpucert::encode_run_reply(
        gpucert::worker::with_telemetry(run.device, [&] { return gpucert::worker::dispatch(run, plugins); }))};
  }
};

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--version") {
      std::cout << "gpucert-worker " << GPUCERT_VERSION << " (CUDA " << CUDART_VERSION / 1000 << "."
                << (CUDART_VERSION % 1000) / 10 << ")\n";
      return 0;
    }
    if (arg == "--probe") {
      const auto plugins = gpucert::worker::PluginSet::load_all();
      std::cout << gpucert::to_json(gpucert::worker::probe_environment(plugins.availability()))
                       .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
      return 0;
    }
    std::cerr << "gpucert-worker: unknown argument '" << arg << "'\n\n" << kUsage;
    return 2;
  }

  FILE* out = take_protocol_stream();
  const auto plugins = gpucert::worker::PluginSet::load_all();
  std::string line;
  // A request is a few hundred bytes; a longer line is no request and is not held in memory.
  constexpr std::size_t kMaxRequestBytes = 1u << 20;
  for (;;) {
    const auto read = gpucert::read_bounded_line(std::cin, line, kMaxRequestBytes);
    if (read == gpucert::LineRead::End) break;
    if (read == gpucert::LineRead::TooLong) {
      reply(out, gpucert::encode_error_reply("protocol: a request line longer than " +
                                             std::to_string(kMaxRequestBytes >> 20) + " MiB was refused"));
      continue;
    }
    if (line.empty()) continue;
    auto request = gpucert::decode_request(line);
    if (!request) {
      reply(out, gpucert::encode_error_reply(request.error().describe()));
      continue;
    }
    const auto answer = std::visit(RequestServer{plugins}, *request);
    reply(out, answer.line);
    if (answer.quit) return 0;
  }
  return 0;  // stdin closed: the coordinator is gone
}

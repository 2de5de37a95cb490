#include "devel_check.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "probe_libraries.hpp"
#include "runtime/process.hpp"

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

// Runs argv[0] (a path) to its end or the deadline, stdout and stderr together into the outcome's output, in a
// process group of its own so that the deadline takes its helpers too. Its stdin is /dev/null and its output
// a pipe of its own: the worker's stdin and stdout are the protocol's.
ProcessOutcome run_child(const std::vector<std::string>& argv, Clock::time_point deadline) {
  ProcessOutcome p;
  p.argv = argv;
  runtime::LaunchSpec spec;
  spec.argv = argv;  // every path is absolute: the child needs no working directory of its own
  runtime::RunOptions options;
  options.stderr_into_stdout = true;
  options.own_process_group = true;
  options.output_limit = 1u << 20;
  const auto left = std::max(std::chrono::milliseconds(0),
                             std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  auto done = runtime::run_bounded(spec, left, options);
  if (!done.ok()) {
    p.output = done.error().message;
    return p;
  }
  p.exit_code = done->exit_code;
  p.signal = done->signal;
  p.timed_out = done->timed_out;
  if (p.timed_out) done->out += "\n[killed at the deadline]";
  p.output = truncate_output(done->out);
  return p;
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

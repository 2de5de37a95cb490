// Run records built in code for the conformance, JUnit, HTML and compare tests (not a test file itself: the
// glob takes test_*.cpp only). Every figure follows from the samples given here, so a test can name it.
#pragma once

#include <string>
#include <vector>

#include "core/doctor.hpp"
#include "core/run_record.hpp"

namespace gpucert::fixtures {

inline DeviceInfo h100(int index = 0) {
  DeviceInfo d;
  d.index = index;
  d.name = "NVIDIA H100 80GB HBM3";
  d.uuid = "GPU-5d3b7c2a-9f1e-4b6d-8a2c-0e4f6a8b1c3d";
  d.pci_bus_id = "0000:18:00.0";
  d.cc_major = 9;
  d.cc_minor = 0;
  d.memory_bytes = 85'045'183'232;
  d.multiprocessors = 132;
  d.l2_bytes = 52'428'800;
  d.memory_clock_khz = 2'619'000;  // peak 3352.3 GB/s with the 5120-bit bus
  d.memory_bus_bits = 5120;
  return d;
}

inline Placement placement(int rank, const std::string& host, const std::string& gpu = "NVIDIA H100 80GB HBM3") {
  return {rank, 0, host, 0, gpu, "GPU-5d3b7c2a-9f1e-4b6d-8a2c-0e4f6a8b1c3d"};
}

inline RankRecord usable_rank(int rank, const std::string& host) {
  RankRecord r;
  r.placement = placement(rank, host);
  auto& p = r.probe;
  p.hostname = host;
  p.worker_version = "0.1.0";
  p.cuda_build_version = 13000;
  p.driver_version = 13000;
  p.driver_release = "580.95.05";
  p.runtime_version = 13000;
  p.devices = {h100()};
  p.libcuda = {"libcuda.so.1", true, "/usr/lib/x86_64-linux-gnu/libcuda.so.1", ""};
  p.device_nodes = {"/dev/nvidia-uvm", "/dev/nvidia0", "/dev/nvidiactl"};
  p.workloads = {{"stream", true, "worker", "built into gpucert-worker"},
                 {"gemm", true, "libgpucert-gemm.so", "cuBLASLt 13.0.0"},
                 {"conv", false, "libgpucert-conv.so",
                  "libcudnn.so.9: cannot open shared object file: No such file or directory"}};
  r.usable = true;
  return r;
}

// A rank whose host has no driver library: the doctor's libcuda-missing and no-device-nodes.
inline RankRecord unusable_rank(int rank, const std::string& host) {
  RankRecord r;
  r.placement = {rank, 0, host, -1, "", ""};
  auto& p = r.probe;
  p.hostname = host;
  p.worker_version = "0.1.0";
  p.cuda_build_version = 13000;
  p.runtime_version = 13000;
  p.cuda_error = CudaErrorInfo{35, "cudaErrorInsufficientDriver",
                               "CUDA driver version is insufficient for CUDA runtime version", "cudaGetDeviceCount"};
  p.libcuda = {"libcuda.so.1", false, "", "libcuda.so.1: cannot open shared object file: No such file or directory"};
  r.usable = false;
  r.problem = "cudaErrorInsufficientDriver (35): CUDA driver version is insufficient for CUDA runtime version";
  r.diagnoses = diagnose(p);
  return r;
}

// stream/<kernel>/<precision>/2GiB whose median time is `median_s` (samples median_s * {0.99, 1, 1.01}).
inline ResultRecord stream_result(const std::string& kernel, const std::string& precision, double median_s,
                                  const Placement& where, RunStatus status = RunStatus::Ok) {
  Measurement m;
  m.id = "stream/" + kernel + "/" + precision + "/2GiB";
  m.workload = "stream";
  const std::uint64_t element = precision == "fp64" ? 8 : 4;
  const std::uint64_t arrays = kernel == "copy" || kernel == "mul" || kernel == "dot" ? 2 : kernel == "nstream" ? 4 : 3;
  m.params = {{"kernel", kernel}, {"precision", precision}, {"elements", 2ull * 1024 * 1024 * 1024 / element}};
  m.warmup = 3;
  m.repetitions = 3;
  m.work = arrays * 2ull * 1024 * 1024 * 1024;
  m.metric = Metric::Bandwidth;
  RunReply reply;
  reply.status = status;
  reply.samples_s = {median_s * 0.99, median_s, median_s * 1.01};
  const bool ok = status == RunStatus::Ok;
  reply.verification = {ok, 268435456, ok ? 0u : 3u, ok ? 0.0 : 1e-3, 1e-12, "closed form"};
  if (!ok) reply.message = "3 values differ from the closed form";
  return make_record(m, where, reply);
}

// gemm/<precision>/4096x4096x4096 at `tflops` median.
inline ResultRecord gemm_result(const std::string& precision, double tflops, const Placement& where) {
  Measurement m;
  m.id = "gemm/" + precision + "/4096x4096x4096";
  m.workload = "gemm";
  m.params = {{"precision", precision}, {"m", 4096}, {"n", 4096}, {"k", 4096}};
  m.warmup = 3;
  m.repetitions = 3;
  m.work = 2ull * 4096 * 4096 * 4096;
  m.metric = Metric::Throughput;
  const double median_s = static_cast<double>(m.work) / (tflops * 1e12);
  RunReply reply;
  reply.status = RunStatus::Ok;
  reply.samples_s = {median_s * 0.995, median_s, median_s * 1.005};
  reply.verification = {true, 4096 * 4096, 0, 1e-3, 1e-2, "fp64 reference"};
  return make_record(m, where, reply);
}

inline ResultRecord unavailable_result(const std::string& workload, const std::string& id, const std::string& message,
                                       const Placement& where) {
  Measurement m;
  m.id = id;
  m.workload = workload;
  m.params = nlohmann::json::object();
  m.repetitions = 3;
  m.work = 1;
  m.metric = Metric::Throughput;
  RunReply reply;
  reply.status = RunStatus::Unavailable;
  reply.message = message;
  return make_record(m, where, reply);
}

inline RunRecord empty_run() {
  RunRecord run;
  run.build = {"0.1.0", "07b2471", 13000, "90"};
  run.suite_name = "quick";
  run.suite_source = "embedded:quick";
  run.started = "2026-03-02T09:15:00Z";
  run.finished = "2026-03-02T09:15:42Z";
  run.command = "gpucert run --out gpucert-out";
  return run;
}

// One healthy H100 rank with stream and GEMM results in both precisions, conv unavailable.
inline RunRecord healthy_run() {
  auto run = empty_run();
  run.ranks = {usable_rank(0, "node-a")};
  const auto at = placement(0, "node-a");
  // 2 GiB arrays: copy moves 4 GiB, triad 6 GiB. 1.43 ms and 2.12 ms give about 3003 and 3039 GB/s.
  run.results = {stream_result("copy", "fp64", 1.43e-3, at),
                 stream_result("triad", "fp64", 2.12e-3, at),
                 stream_result("copy", "fp32", 1.43e-3, at),
                 stream_result("triad", "fp32", 2.12e-3, at),
                 gemm_result("fp16", 749, at),
                 gemm_result("bf16", 770, at),
                 unavailable_result("conv", "conv/fp16/n32c64h56w56k64r3s3",
                                    "libcudnn.so.9: cannot open shared object file: No such file or directory", at)};
  return run;
}

}  // namespace gpucert::fixtures

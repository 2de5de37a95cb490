// Writes a crafted run's output folder (ranks.json and results.jsonl, as `gpucert run` leaves them) for the
// report tests: two H100 ranks, one on a host whose name is a script that would retitle the page if it ever
// ran, with stream, GEMM, convolution and NCCL results, a few of them also from a container environment (the
// runtime flavour under oci, recorded in environments.json with each rank's probe from inside it, healthy so
// that the flavour checks pass). It writes report.json too, as a finished run does, but without checks:
// `gpucert report` derives them.
// Usage: sample_run DIR
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "report_fixtures.hpp"
#include "reports/report_files.hpp"
#include "reports/run_folder.hpp"

namespace {

using namespace gpucert;
using namespace gpucert::fixtures;

const char* const kHostileHost = "<script>document.title='pwned'</script>";
const char* const kContainer = "cuda-13.0-runtime/oci";
const char* const kContainerRootfs = "/var/lib/gpucert/images/cuda-13.0-runtime/rootfs";

ResultRecord conv_result(const std::string& precision, double tflops, const Placement& where) {
  auto r = gemm_result(precision, tflops, where);
  r.measurement.id = "conv/" + precision + "/n32c64h56w56k64r3s3p1u1";
  r.measurement.workload = "conv";
  return make_record(r.measurement, where, r.reply);
}

ResultRecord nccl_result(std::uint64_t bytes, double busbw_gbps, const Placement& where) {
  Measurement m;
  m.id = "nccl/all_reduce_sum/fp32/" + format_bytes(bytes);
  m.workload = "nccl";
  m.params = {{"collective", "all_reduce"}, {"precision", "fp32"}, {"bytes", bytes}};
  m.warmup = 5;
  m.repetitions = 5;
  m.work = bytes;
  m.metric = Metric::Bandwidth;
  RunReply reply;
  reply.status = RunStatus::Ok;
  const double t = static_cast<double>(bytes) / (busbw_gbps * 1e9);
  reply.samples_s = {t * 0.98, t, t * 1.01, t * 1.02, t * 0.99};
  reply.verification = {true, bytes / 4, 0, 0, 0, "bitwise against the reduction on the host"};
  return make_record(m, where, reply);
}

ResultRecord in_container(ResultRecord r, double slowdown) {
  for (auto& s : r.reply.samples_s) s *= slowdown;
  auto record = make_record(r.measurement, r.placement, r.reply);
  record.environment = kContainer;
  return record;
}

// A native rank as its worker sees it from inside the runtime flavour's image: the image's CUDA 13.0
// libraries load (cuDNN is not in this flavour), the image declares its CUDA version.
RankRecord in_container(RankRecord r) {
  r.probe.environment["CUDA_VERSION"] = "13.0.2";
  r.probe.libraries.clear();
  const std::pair<const char*, const char*> loaded[] = {
      {"cudart", "libcudart.so.13"},     {"cublas", "libcublas.so.13"},       {"cublasLt", "libcublasLt.so.13"},
      {"cufft", "libcufft.so.12"},       {"curand", "libcurand.so.10"},       {"cusolver", "libcusolver.so.12"},
      {"cusparse", "libcusparse.so.12"}, {"nvjitlink", "libnvJitLink.so.13"}, {"nccl", "libnccl.so.2"}};
  for (auto [library, soname] : loaded) {
    LibraryProbe l;
    l.library = library;
    l.name = soname;
    l.loaded = true;
    l.path = std::string("/usr/local/cuda/lib64/") + soname;
    l.version = std::string(library) == "cudart" ? "13.0" : std::string(library) == "nccl" ? "2.28.9" : "13.1.0";
    r.probe.libraries.push_back(std::move(l));
  }
  LibraryProbe cudnn;
  cudnn.library = "cudnn";
  cudnn.name = "libcudnn.so.9";
  cudnn.error = "libcudnn.so.9: cannot open shared object file: No such file or directory";
  r.probe.libraries.push_back(std::move(cudnn));
  return r;
}

EnvironmentRecord runtime_environment(const std::vector<RankRecord>& native) {
  EnvironmentRecord e;
  e.name = kContainer;
  e.runtime = "oci";
  e.image = kContainerRootfs;
  e.flavor = "runtime";
  for (const auto& r : native) e.ranks.push_back(in_container(r));
  ImageFacts f;
  f.reference = kContainerRootfs;
  f.env = {{"CUDA_VERSION", "13.0.2"},
           {"NVIDIA_REQUIRE_CUDA", "cuda>=13.0 brand=tesla,driver>=535"},
           {"NVIDIA_VISIBLE_DEVICES", "all"},
           {"NVIDIA_DRIVER_CAPABILITIES", "compute,utility"},
           {"LD_LIBRARY_PATH", "/usr/local/nvidia/lib:/usr/local/nvidia/lib64"},
           {"PATH", "/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}};
  f.size_bytes = 3'400'000'000;
  f.architecture = "amd64";
  f.os = "linux";
  f.source = std::string(kContainerRootfs) + "/../image-config.json";
  e.image_facts = std::move(f);
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sample_run DIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  auto run = empty_run();
  run.ranks = {usable_rank(0, "node-a"), usable_rank(1, kHostileHost)};
  for (auto& r : run.ranks) r.probe.machine = "x86_64";  // uname, the image-hygiene check's host
  run.environments = {runtime_environment(run.ranks)};
  std::string log;
  const double kernel_bytes[] = {2, 2, 3, 3, 2, 4};  // copy mul add triad dot nstream, arrays moved
  const char* kernels[] = {"copy", "mul", "add", "triad", "dot", "nstream"};
  for (int rank = 0; rank < 2; ++rank) {
    const auto at = placement(rank, run.ranks[static_cast<std::size_t>(rank)].placement.host);
    const double skew = rank ? 0.985 : 1.0;  // rank 1 a little slower, so the whiskers show
    for (const char* precision : {"fp64", "fp32"})
      for (int k = 0; k < 6; ++k) {
        const double gbps = (k == 4 ? 2850.0 : 3030.0) * skew;
        run.results.push_back(
            stream_result(kernels[k], precision, kernel_bytes[k] * 2 * 1073741824.0 / (gbps * 1e9), at));
      }
    for (auto [precision, tflops] :
         {std::pair{"fp64", 55.9}, {"fp32", 50.8}, {"tf32", 380.0}, {"fp16", 749.0}, {"bf16", 770.0}, {"fp8", 1298.0}})
      run.results.push_back(gemm_result(precision, tflops * skew, at));
    for (auto [precision, tflops] : {std::pair{"fp32", 31.0}, {"tf32", 160.0}, {"fp16", 310.0}, {"bf16", 305.0}})
      run.results.push_back(conv_result(precision, tflops * skew, at));
    for (int e = 10; e <= 30; e += 2) {  // bus bandwidth rising with the message size towards 360 GB/s
      const double saturation = 1 - std::exp(-static_cast<double>(1 << (e - 10)) / 64);
      run.results.push_back(nccl_result(1ull << e, 360.0 * saturation * skew, at));
    }
  }
  // The container flavour's runs of a few of the same measurements.
  const std::size_t native_count = run.results.size();
  for (std::size_t i = 0; i < native_count; ++i) {
    const auto& w = run.results[i].measurement.workload;
    if (w == "stream" && i % 3 == 0) run.results.push_back(in_container(run.results[i], 1.004));
    if (w == "gemm") run.results.push_back(in_container(run.results[i], 1.012));
  }
  run.results[1].reply.message = kHostileHost;  // outside text in a result's note, too
  for (const auto& r : run.results) log += reports::json_text(to_json(r));
  std::ofstream(dir / "results.jsonl", std::ios::binary) << log;
  // A finished run's report.json holds the suite and the times; `gpucert report` renders the rest again.
  run.suite_name = "sample";
  run.suite_source = "tests/integration/sample_run.cpp";
  run.command = "mpirun -np 2 gpucert run --suite sample";
  if (auto s = reports::write_reports(run, dir); !s) {
    std::fprintf(stderr, "%s\n", s.error().describe().c_str());
    return 1;
  }
  if (auto s = reports::write_ranks(run.ranks, dir); !s) {
    std::fprintf(stderr, "%s\n", s.error().describe().c_str());
    return 1;
  }
  if (auto s = reports::write_environments(run.environments, dir); !s) {
    std::fprintf(stderr, "%s\n", s.error().describe().c_str());
    return 1;
  }
  return 0;
}

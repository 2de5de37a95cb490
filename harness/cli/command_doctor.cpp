// `gpucert doctor`: every rank's worker probes its environment natively, or one worker probes inside an
// image (--image, through the runtime's launcher); each report is explained with the doctor's causes.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "coordinator/mpi_world.hpp"
#include "coordinator/rank_setup.hpp"
#include "core/doctor.hpp"
#include "core/image_facts.hpp"
#include "core/run_record.hpp"
#include "core/image_doctor.hpp"
#include "image_worker.hpp"
#include "runtime/environment_worker.hpp"
#include "runtime/image_files.hpp"
#include "runtime/oci_config.hpp"

namespace gpucert::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDoctorExamples = R"(
Examples:
  gpucert doctor                                   this machine, natively (under mpirun: every rank)
  gpucert doctor --image nvcr.io/nvidia/cuda:13.0.1-runtime-ubuntu24.04 --runtime docker --gpus 0
  gpucert doctor --image localhost/cuda:12.9-runtime --runtime podman --gpus 0,1   (CDI: `gpucert cdi`)
  gpucert doctor --image /srv/bundles/cuda-13.0-base/rootfs --runtime oci --gpus 0
        a root filesystem under runc: config.json is written to a fresh folder under --scratch, the GPU and
        the driver libraries injected as the container toolkit does; image-config.json beside rootfs/
        (an OCI image config) supplies the image's Env
  gpucert doctor --image /srv/bundles/mine/rootfs --static --driver 535.183.01
        on a CPU builder: read the image alone (config and files) and judge it against a fleet's driver;
        --gpus '' judges it as started with no device request (`docker run --runtime nvidia` without --gpus)
  podman image inspect IMAGE > cfg.json; gpucert doctor --image $(podman image mount IMAGE) --static --image-config cfg.json
  gpucert doctor --image cuda.sif --runtime apptainer;  gpucert doctor --image cuda.sqsh --runtime enroot
  GPUCERT_PROBE_PYTHON=0 gpucert doctor            skip asking the environment's python3 about PyTorch

The worker (and its plugins) is bind-mounted from beside this gpucert into the image. Each cause has a
stable id, printed as `cause [id]`, with why and the fix. PyTorch is asked with `python3 -c` (20 s at most,
GPUCERT_PROBE_PYTHON_TIMEOUT_S) when python3 is on the environment's PATH.

A root filesystem (oci) is also read without starting it: its Env (NVIDIA_VISIBLE_DEVICES,
NVIDIA_DRIVER_CAPABILITIES, NVIDIA_REQUIRE_*), architecture, libcuda copies, stubs and forward-compatibility
libraries on its loader path, CUDA library sonames against CUDA_VERSION, and the CUDA its PyTorch or conda
packages were built for: each cause is judged as the NVIDIA Container Toolkit would meet it (docs/CONTAINERS.md).
Findings marked FATAL fail under the toolkit; the others are printed as warnings.

Exit codes:
  0  CUDA works here (and PyTorch, where there is one, can use it); with --static: no fatal finding
  2  bad usage (unknown runtime, --image without a runtime that can run it)
  3  CUDA, or the environment's PyTorch, cannot use the GPU here, or the image has a fatal finding: the
     causes above say why
)";

constexpr const char* kEnvironmentShown[] = {"NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES",
                                             "CUDA_VISIBLE_DEVICES", "CUDA_VERSION", "LD_LIBRARY_PATH"};

void print_python(const ProbeReport& p) {
  if (!p.python_torch) {
    std::printf("  PyTorch:      not asked (no python3 on PATH, or GPUCERT_PROBE_PYTHON=0)\n");
    return;
  }
  const auto& t = *p.python_torch;
  if (!t.torch_version.empty())
    std::printf("  PyTorch:      %s (CUDA %s), torch.cuda.is_available() = %s, %d device(s), via %s\n",
                t.torch_version.c_str(), t.torch_cuda.empty() ? "none: CPU-only build" : t.torch_cuda.c_str(),
                t.is_available ? "True" : "False", t.device_count, t.python.c_str());
  else if (t.error.empty())
    std::printf("  PyTorch:      not installed (%s)\n", t.python.c_str());
  else
    std::printf("  PyTorch:      could not be asked: %s\n", t.error.c_str());
}

// One environment's account: the facts, the verdict, the causes. Returns its exit code.
int print_record(const RankRecord& r) {
  const auto& p = r.probe;
  // Without a probe (the worker never answered) there are no facts to show, only the problem.
  if (!p.worker_version.empty()) {
    std::printf("  driver:       %s (supports CUDA %s)\n",
                p.driver_release.empty() ? "unknown" : p.driver_release.c_str(),
                format_cuda_version(p.driver_version).c_str());
    std::printf("  CUDA runtime: %s (worker built with %s)\n", format_cuda_version(p.runtime_version).c_str(),
                format_cuda_version(p.cuda_build_version).c_str());
    std::printf("  libcuda.so.1: %s\n", p.libcuda.loaded ? p.libcuda.path.c_str() : p.libcuda.error.c_str());
    std::printf("  device nodes: %zu\n", p.device_nodes.size());
    for (const char* name : kEnvironmentShown)
      if (auto it = p.environment.find(name); it != p.environment.end())
        std::printf("  %-13s %s\n", (std::string(name) + ":").c_str(), it->second.c_str());
    for (const auto& d : p.devices)
      std::printf("  GPU %d: %s, %s, sm_%d%d, %.1f GiB, %d SMs, %s%s\n", d.index, d.name.c_str(), d.uuid.c_str(),
                  d.cc_major, d.cc_minor, static_cast<double>(d.memory_bytes) / (1 << 30), d.multiprocessors,
                  d.pci_bus_id.c_str(), d.index == r.placement.device ? " (this rank's)" : "");
    for (const auto& w : p.workloads)
      std::printf("  workload %-10s %s%s%s\n", w.name.c_str(), w.available ? "available" : "UNAVAILABLE",
                  w.available ? "" : ": ", w.available ? "" : w.evidence.c_str());
    print_python(p);
    if (p.cuda_error)
      std::printf("  CUDA error:   %s returned %s (%d): %s\n", p.cuda_error->call.c_str(), p.cuda_error->name.c_str(),
                  p.cuda_error->code, p.cuda_error->message.c_str());
  }
  int code = kExitPassed;
  const bool framework = framework_cannot_use_gpu(r.diagnoses);
  if (!r.usable) {
    std::printf("  verdict:      CUDA is NOT usable: %s\n", r.problem.c_str());
    code = kExitEnvironment;
  } else if (framework) {
    std::printf("  verdict:      CUDA works here, but PyTorch cannot use it\n");
    code = kExitEnvironment;
  } else {
    std::printf("  verdict:      CUDA works here\n");
  }
  for (const auto& d : r.diagnoses)
    std::printf("\n  cause [%s]: %s\n    why: %s\n    fix: %s\n", d.cause.c_str(), d.summary.c_str(),
                d.explanation.c_str(), d.fix.c_str());
  std::printf("\n");
  return code;
}

int doctor_native(const DoctorArgs& args, int* argc, char*** argv) {
  coordinator::MpiWorld world(argc, argv);
  auto setup = coordinator::setup_rank(world, worker_path(), std::chrono::seconds(args.timeout_s));
  if (setup.worker) setup.worker->quit();
  const auto ranks = coordinator::gather_ranks(world, setup.record);
  int code = kExitPassed;
  if (world.root()) {
    for (const auto& r : ranks) {
      std::printf("rank %d on %s\n", r.placement.rank, r.placement.host.c_str());
      code = std::max(code, print_record(r));
    }
  }
  return world.broadcast(code);
}

std::vector<std::string> split_gpus(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find(',', start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// The image read without starting it (a root filesystem only): its config beside it and its files.
// Returns whether a finding is fatal.
bool print_static_findings(const runtime::Environment& env, const DoctorArgs& args, const runtime::HostFacts& facts) {
  const fs::path config =
      args.image_config.empty() ? fs::path(env.image).parent_path() / "image-config.json" : fs::path(args.image_config);
  ImageFacts image;
  image.reference = env.image;
  std::ifstream in(config);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    auto read = image_facts_from_oci_config(text.str(), env.image, config.string());
    if (!read) read = image_facts_from_inspect(text.str(), env.image);  // `podman image inspect` output
    if (read)
      image = *read;
    else
      std::printf("  image config: %s\n", read.error().describe().c_str());
  } else {
    std::printf("  image config: none (%s): its Env, labels and architecture are unknown\n", config.string().c_str());
  }
  const auto files = runtime::read_image_files(env.image, image.env);
  ImageHost host;
  host.architecture = build_architecture();
  host.driver = runtime::host_driver(facts);
  if (!args.driver.empty()) {
    host.driver.release = args.driver;
    host.driver.cuda_version = toolkit::cuda_version_of_driver(args.driver);
  }
  for (const auto& id : env.gpus)
    if (!id.empty()) host.requested_gpus.push_back(id);
  std::printf("  judged for:   %s, driver %s%s, --gpus %s\n", host.architecture.c_str(),
              host.driver.release.empty() ? "unknown (requirements not checked; --driver RELEASE)"
                                          : host.driver.release.c_str(),
              host.driver.cuda_version.empty() ? "" : (" (CUDA " + host.driver.cuda_version + ")").c_str(),
              args.gpus.c_str());
  const auto findings = diagnose_image(image, files, host);
  if (findings.empty()) std::printf("  image:        no fault found in its configuration and files\n");
  for (const auto& f : findings)
    std::printf("\n  %s [%s]: %s\n    why: %s\n    fix: %s\n", f.fatal ? "FATAL" : "warning", f.diagnosis.cause.c_str(),
                f.diagnosis.summary.c_str(), f.diagnosis.explanation.c_str(), f.diagnosis.fix.c_str());
  std::printf("\n");
  return has_fatal(findings);
}

int doctor_image(const DoctorArgs& args) {
  auto runtime_name = args.runtime;
  std::error_code ec;
  if (runtime_name.empty()) {
    if (!fs::is_directory(args.image, ec)) {
      std::fprintf(stderr,
                   "gpucert doctor: name the runtime of image '%s': --runtime docker, podman, apptainer, "
                   "enroot or oci\n",
                   args.image.c_str());
      return kExitBadInput;
    }
    runtime_name = "oci";  // a folder can only be a root filesystem
  }
  auto kind = runtime::parse_runtime_kind(runtime_name);
  if (!kind || *kind == runtime::RuntimeKind::Native) {
    std::fprintf(stderr, "gpucert doctor: --runtime %s: %s\n", runtime_name.c_str(),
                 kind ? "native takes no image; leave --image out" : kind.error().message.c_str());
    return kExitBadInput;
  }
  runtime::Environment env;
  env.kind = *kind;
  env.image =
      *kind == runtime::RuntimeKind::Oci ? fs::absolute(args.image, ec).lexically_normal().string() : args.image;
  if (env.image.size() > 1 && env.image.back() == '/') env.image.pop_back();
  env.gpus = split_gpus(args.gpus);
  env.name = "gpucert-doctor-" + std::to_string(getpid());
  for (const char* name : {"GPUCERT_PROBE_PYTHON", "GPUCERT_PROBE_PYTHON_TIMEOUT_S"})
    if (const char* value = std::getenv(name)) env.extra_env[name] = value;
  if (args.static_only && args.gpus.empty()) env.gpus.clear();  // judged as started with no device request
  if (auto s = runtime::check_environment(env); !s && !(args.static_only && env.gpus.empty())) {
    std::fprintf(stderr, "gpucert doctor: %s\n", s.error().message.c_str());
    return kExitBadInput;
  }

  if (args.injection != "legacy" && args.injection != "cdi") {
    std::fprintf(stderr, "gpucert doctor: --injection %s: legacy (docker --gpus) or cdi (podman --device)\n",
                 args.injection.c_str());
    return kExitBadInput;
  }
  if (args.static_only && *kind != runtime::RuntimeKind::Oci) {
    std::fprintf(stderr,
                 "gpucert doctor: --static reads a root filesystem folder; export the image first "
                 "(`podman export $(podman create IMAGE) | tar -C DIR/rootfs -x`)\n");
    return kExitBadInput;
  }
  std::printf("image %s under %s, GPU(s) %s\n", env.image.c_str(), runtime_name.c_str(), args.gpus.c_str());
  bool static_fatal = false;
  if (*kind == runtime::RuntimeKind::Oci) {
    runtime::HostFacts facts;
    if (!args.static_only)
      if (auto collected = runtime::collect_host_facts()) facts = std::move(*collected);
    if (args.static_only) facts.driver_release = args.driver;
    static_fatal = print_static_findings(env, args, facts);
    if (args.static_only) return static_fatal ? kExitEnvironment : kExitPassed;
  }
  // The image's own faults are read above without a worker; starting one needs a worker of the image's CUDA major.
  std::string worker_note;
  auto worker_binary = image_worker({"doctor", "", env.kind, env.image, {}}, worker_path(), worker_note);
  if (!worker_binary) {
    std::printf("  worker:       refused: %s\n", worker_binary.error().message.c_str());
    return static_fatal ? kExitEnvironment : kExitCheckFailed;
  }
  runtime::carry_host_worker(env, *worker_binary);
  std::printf("  worker:       %s\n", worker_note.c_str());
  RankRecord record;
  record.placement.host = "image";
  runtime::StartOptions start;
  start.gpu_optional = true;  // a host without the GPU still gets the image's own account of itself
  runtime::RuntimeOptions options;
  if (args.injection == "cdi") options.oci.injection = runtime::InjectionMode::Cdi;
  if (*kind == runtime::RuntimeKind::Oci) {
    auto facts = runtime::collect_host_facts();
    if (!facts) {
      std::printf("  host:         %s\n", facts.error().message.c_str());
      facts = runtime::HostFacts{};
    } else {
      for (const auto& id : env.gpus)
        if (auto gpu = runtime::find_gpu(*facts, id); !gpu)
          std::printf("  host:         not injected: %s\n", gpu.error().message.c_str());
      if (auto s = runtime::check_driver_facts(*facts); !s)
        std::printf("  host:         not injected: %s\n", s.error().message.c_str());
    }
    start.host_facts = *facts;
  }
  const fs::path scratch = args.scratch.empty() ? fs::temp_directory_path(ec) : fs::path(args.scratch);
  auto worker = runtime::start_environment_worker(env, options, scratch, start);
  if (!worker) {
    record.problem = "the worker did not start in the image: " + worker.error().describe();
    record.diagnoses = diagnose_start_failure(worker.error().describe());
  } else {
    auto probe = worker->client().probe(std::chrono::seconds(args.timeout_s));
    if (!probe) {
      record.problem = "the worker's probe in the image failed: " + probe.error().describe();
      record.diagnoses = diagnose_start_failure(probe.error().describe());
    } else {
      record.probe = std::move(*probe);
      record.diagnoses = diagnose(record.probe);
      record.usable = record.probe.cuda_usable();
      if (record.usable) {
        record.placement.device = record.probe.devices.front().index;
      } else {
        record.problem = record.probe.cuda_error
                             ? record.probe.cuda_error->name + " (" + std::to_string(record.probe.cuda_error->code) +
                                   "): " + record.probe.cuda_error->message
                             : "CUDA reports no device";
      }
    }
    worker->stop();
  }
  return std::max<int>(print_record(record), static_fatal ? kExitEnvironment : kExitPassed);
}

}  // namespace

CLI::App* add_doctor_command(CLI::App& app, DoctorArgs& args) {
  auto* cmd = app.add_subcommand("doctor",
                                 "Probe every rank's environment, or an image's, and explain why CUDA is "
                                 "or is not available, with the command that fixes it");
  cmd->add_option("--timeout", args.timeout_s, "Seconds the probe may take")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--image", args.image,
                  "Probe inside this image instead of natively: a registry reference (docker, podman), a .sif or "
                  "docker:// URI (apptainer), a .sqsh or container name (enroot), or a root filesystem folder (oci)");
  cmd->add_option("--runtime", args.runtime,
                  "Runtime for --image: docker, podman, apptainer, enroot or oci; default: oci for a folder");
  cmd->add_option("--gpus", args.gpus, "GPUs to expose in the image, by index or UUID, comma-separated")
      ->capture_default_str();
  cmd->add_option("--scratch", args.scratch, "Folder for the oci bundle (config.json); default: the temporary folder");
  cmd->add_option("--driver", args.driver,
                  "Judge a root filesystem against this host driver release (\"535.183.01\"): its NVIDIA_REQUIRE_*, "
                  "forward-compatibility and framework CUDA; default: this host's driver");
  cmd->add_option("--image-config", args.image_config,
                  "The image's OCI configuration (or `podman image inspect` output) for a root filesystem; default: "
                  "image-config.json beside it");
  cmd->add_flag("--static", args.static_only,
                "Only read the root filesystem (config and files), start nothing: for CPU builders");
  cmd->add_option("--injection", args.injection,
                  "oci: inject the GPU as docker --gpus does (legacy) or as podman with a CDI spec (cdi)")
      ->capture_default_str();
  cmd->footer(std::string(kDoctorExamples));
  return cmd;
}

int command_doctor(const DoctorArgs& args, int* argc, char*** argv) {
  if (!args.image.empty()) return doctor_image(args);
  if (!args.runtime.empty() && args.runtime != "native") {
    std::fprintf(stderr, "gpucert doctor: --runtime %s needs --image\n", args.runtime.c_str());
    return kExitBadInput;
  }
  return doctor_native(args, argc, argv);
}

}  // namespace gpucert::cli

// Starts the real gpucert-worker through a launcher's own argv, under a real runtime, and checks what the
// worker's probe saw inside. The host has no GPU, so stand-ins play the GPU: harmless character devices
// under the names /dev/nvidia*, and a CDI kind of its own (gpucert.test/gpu) for podman.
//
//   container_probe podman IMAGE WORKER CDI_FILE LIBRARY [PLUGIN...]
//       writes a CDI spec to CDI_FILE, runs the podman argv, expects GPU 1 only, and the loader's own
//       message about LIBRARY (an empty file) bound as libcuda.so.1
//   container_probe oci ROOTFS BUNDLE_DIR WORKER LIBRARY
//       writes the bundle's config.json, runs `runc run`, expects GPU 1 only and LIBRARY (a real shared
//       library without CUDA in it) loaded as libcuda.so.1
//   container_probe oci-host ROOTFS BUNDLE_DIR WORKER GPU...
//       the same with this host's real facts (collect_host_facts) and real GPUs: for a GPU machine, where
//       the probe must find exactly the listed GPUs, renumbered from 0
//
// Exit status: 0 when every check holds, 1 otherwise (each failed check printed).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "runtime/cdi.hpp"
#include "runtime/launchers.hpp"
#include "runtime/oci_config.hpp"
#include "runtime/worker_client.hpp"

namespace {

using namespace gpucert;
using namespace gpucert::runtime;

int failures = 0;

void check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok:   " : "FAIL: ") << what << "\n";
  if (!ok) ++failures;
}

// /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom: devices that harm nothing, under GPU names.
HostFacts stand_in_facts() {
  auto node = [](const std::string& path, const std::string& host, long long minor) {
    DeviceNode n;
    n.path = path;
    n.host_path = host;
    n.major = 1;
    n.minor = minor;
    return n;
  };
  HostFacts facts;
  facts.gpus = {{0, "GPU-00000000-0000-0000-0000-000000000000", "0000:18:00.0", node("/dev/nvidia0", "/dev/null", 3)},
                {1, "GPU-11111111-1111-1111-1111-111111111111", "0000:2a:00.0", node("/dev/nvidia1", "/dev/zero", 5)}};
  facts.control_nodes = {node("/dev/nvidiactl", "/dev/full", 7), node("/dev/nvidia-uvm", "/dev/random", 8),
                         node("/dev/nvidia-uvm-tools", "/dev/urandom", 9)};
  return facts;
}

Environment environment(RuntimeKind kind, const std::string& image, const std::string& worker) {
  Environment env;
  env.kind = kind;
  env.image = image;
  env.gpus = {"1"};
  env.worker_host_path = worker;
  env.name = "gpucert-itest-" + std::to_string(getpid());
  // The probe reports this variable; it arrives intact only if it stays one literal value all the way in.
  env.extra_env["CUDA_VERSION"] = "; rm -rf / $(reboot) \"q\" 'x'";
  return env;
}

std::optional<ProbeReport> probe(const LaunchSpec& spec) {
  std::cout << "argv:";
  for (const auto& a : spec.argv) std::cout << " [" << a << "]";
  std::cout << "\n";
  auto client = WorkerClient::start(spec);
  if (!client) {
    check(false, "worker started: " + client.error().describe());
    return std::nullopt;
  }
  auto report = client->probe(std::chrono::seconds(60));
  client->quit();
  if (!report) {
    check(false, "probe answered: " + report.error().describe());
    return std::nullopt;
  }
  std::cout << to_json(*report).dump(2) << "\n";
  return *report;
}

std::string variable(const ProbeReport& r, const std::string& name) {
  auto it = r.environment.find(name);
  return it == r.environment.end() ? "(unset)" : it->second;
}

// visible_devices: what NVIDIA_VISIBLE_DEVICES reads inside: "1" as docker --gpus sets it (oci, legacy), "void"
// from the CDI spec's env (as nvidia-ctk writes it), which podman applies over the launcher's --env.
void check_gpu_one_only(const ProbeReport& r, const std::string& visible_devices = "1") {
  const std::vector<std::string> nodes = {"/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia1", "/dev/nvidiactl"};
  check(r.device_nodes == nodes, "the container holds /dev/nvidia1 and the control nodes, and no /dev/nvidia0");
  check(r.devices.empty() && !r.cuda_usable(), "CUDA finds no device (the nodes are stand-ins)");
  check(variable(r, "NCCL_NVLS_ENABLE") == "0", "NCCL_NVLS_ENABLE=0 inside");
  check(variable(r, "NVIDIA_VISIBLE_DEVICES") == visible_devices,
        "NVIDIA_VISIBLE_DEVICES=" + visible_devices + " inside");
}

int run_podman(const std::string& image, const std::string& worker, const std::string& cdi_file,
               const std::string& library, const std::vector<std::string>& plugins) {
  CdiOptions cdi;
  cdi.kind = "gpucert.test/gpu";
  // The spec's hooks run `gpucert cdi hook ...` (GPUCERT_TEST_CDI_HOOK: that gpucert's absolute path).
  if (const char* hook = std::getenv("GPUCERT_TEST_CDI_HOOK")) cdi.hook_program = hook;
  auto facts = stand_in_facts();
  facts.driver_libraries = {library};
  auto spec = cdi_spec(facts, cdi);
  if (!spec) return check(false, "CDI spec: " + spec.error().describe()), 1;
  std::ofstream(cdi_file) << spec->dump(2) << "\n";

  auto env = environment(RuntimeKind::Podman, image, worker);
  env.plugin_host_paths = plugins;
  PodmanOptions options;
  options.cdi_kind = cdi.kind;
  auto launch = podman_launch(env, options);
  if (!launch) return check(false, "podman argv: " + launch.error().describe()), 1;
  auto report = probe(*launch);
  if (!report) return 1;
  check_gpu_one_only(*report, "void");
  // CDI's placement: at its host path, found through the ld cache the spec's update-ldcache hook rebuilt.
  check(report->libcuda.loaded && report->libcuda.path == library,
        "the libcuda.so.1 CDI bound at its host path was loaded through the rebuilt ld cache (" +
            (report->libcuda.loaded ? report->libcuda.path : report->libcuda.error) + ")");
  check(variable(*report, "CUDA_VERSION") == env.extra_env["CUDA_VERSION"],
        "a value with shell syntax arrived unaltered");
  for (const auto& w : report->workloads)
    if (w.backend.rfind("libgpucert-", 0) == 0)
      check(w.evidence.find(w.backend + ": cannot open") == std::string::npos,
            w.name + " plugin was mounted beside the worker (" + w.evidence.substr(0, 120) + ")");
  return failures == 0 ? 0 : 1;
}

// As start_environment_worker prepares a bundle: the image's layout read, the toolkit's plan, the bundle's
// writable /etc with the plan's ld.so.conf.d files, then config.json.
Outcome<nlohmann::json> prepared_config(const Environment& env, const HostFacts& facts, OciOptions& options) {
  options.layout = inspect_image_layout(env.image, "x86_64");
  auto plan = oci_injection(env, facts, options);
  if (!plan) return plan.error();
  if (plan->inject && !facts.ldconfig.empty()) {
    auto etc = prepare_bundle_etc(env.image, options.bundle_dir, *plan);
    if (!etc) return etc.error();
    options.etc_dir = *etc;
  }
  return oci_config(env, facts, options);
}

std::string host_ldconfig() {
  for (const char* path : {"/sbin/ldconfig", "/usr/sbin/ldconfig"})
    if (access(path, X_OK) == 0) return path;
  return {};
}

int run_oci(const std::string& rootfs, const std::string& bundle, const std::string& worker,
            const std::string& library) {
  auto facts = stand_in_facts();
  facts.driver_libraries = {library};
  facts.ldconfig = host_ldconfig();
  auto env = environment(RuntimeKind::Oci, rootfs, worker);
  OciOptions options;
  options.bundle_dir = bundle;
  auto config = prepared_config(env, facts, options);
  if (!config) return check(false, "OCI config: " + config.error().describe()), 1;
  if (auto s = write_oci_config(bundle, *config); !s) return check(false, s.error().describe()), 1;
  auto launch = oci_launch(env, options);
  if (!launch) return check(false, "runc argv: " + launch.error().describe()), 1;
  auto report = probe(*launch);
  if (!report) return 1;
  check_gpu_one_only(*report);
  // The root filesystem has no /etc/debian_version: the toolkit's /usr/lib64, which this root's loader
  // searches only through the ld cache the createContainer hook rebuilt.
  check(report->libcuda.loaded && report->libcuda.path == "/usr/lib64/libcuda.so.1",
        "the driver library was placed in the image's library folder and found through the rebuilt ld cache (" +
            (report->libcuda.loaded ? report->libcuda.path : report->libcuda.error) + ")");
  check(variable(*report, "LD_LIBRARY_PATH") == "(unset)", "gpucert set no LD_LIBRARY_PATH of its own");
  check(variable(*report, "CUDA_VERSION") == env.extra_env["CUDA_VERSION"],
        "a value with shell syntax arrived unaltered");
  return failures == 0 ? 0 : 1;
}

// CUDA writes bus ids in upper case, the driver's /proc files in lower case.
bool same_bus(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

int run_oci_host(const std::string& rootfs, const std::string& bundle, const std::string& worker,
                 const std::vector<std::string>& gpus) {
  auto facts = collect_host_facts();
  if (!facts) return check(false, "host facts: " + facts.error().describe()), 1;
  std::cout << "host: " << facts->gpus.size() << " GPU(s), " << facts->control_nodes.size() << " control node(s)\n";
  for (const auto& library : facts->driver_libraries) std::cout << "driver library: " << library << "\n";
  auto env = environment(RuntimeKind::Oci, rootfs, worker);
  env.gpus = gpus;
  OciOptions options;
  options.bundle_dir = bundle;
  auto config = prepared_config(env, *facts, options);
  if (!config) return check(false, "OCI config: " + config.error().describe()), 1;
  if (auto s = write_oci_config(bundle, *config); !s) return check(false, s.error().describe()), 1;
  auto launch = oci_launch(env, options);
  if (!launch) return check(false, "runc argv: " + launch.error().describe()), 1;
  auto report = probe(*launch);
  if (!report) return 1;
  std::vector<std::string> expected = {"/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidiactl"};
  for (const auto& id : gpus) expected.push_back(find_gpu(*facts, id)->node.path);
  std::sort(expected.begin(), expected.end());
  check(report->device_nodes == expected, "the container holds exactly the listed GPUs' nodes and the control nodes");
  check(report->cuda_usable() && report->devices.size() == gpus.size(),
        "CUDA finds " + std::to_string(gpus.size()) + " device(s), found " + std::to_string(report->devices.size()));
  for (const auto& d : report->devices) {
    const bool listed = std::any_of(gpus.begin(), gpus.end(), [&](const std::string& id) {
      auto gpu = find_gpu(*facts, id);
      return gpu && (gpu->uuid == d.uuid || same_bus(gpu->bus_id, d.pci_bus_id));
    });
    check(listed,
          "device " + std::to_string(d.index) + " (" + d.uuid + ", " + d.pci_bus_id + ") is one of those listed");
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 5 && args[0] == "podman")
    return run_podman(args[1], args[2], args[3], args[4], std::vector<std::string>(args.begin() + 5, args.end()));
  if (args.size() == 5 && args[0] == "oci") return run_oci(args[1], args[2], args[3], args[4]);
  if (args.size() >= 5 && args[0] == "oci-host")
    return run_oci_host(args[1], args[2], args[3], std::vector<std::string>(args.begin() + 4, args.end()));
  std::cerr << "usage: container_probe podman IMAGE WORKER CDI_FILE LIBRARY [PLUGIN...]\n"
               "       container_probe oci ROOTFS BUNDLE_DIR WORKER LIBRARY\n"
               "       container_probe oci-host ROOTFS BUNDLE_DIR WORKER GPU...\n";
  return 2;
}

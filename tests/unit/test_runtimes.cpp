// The container launchers as pure functions: the argv and variables each runtime gets for one and for two
// GPUs, that none adds a privilege, that only the listed GPUs are exposed, and that hostile names and
// values stay single, unaltered arguments that no shell ever reads.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/launchers.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

using runtime::Environment;
using runtime::LaunchSpec;
using runtime::RuntimeKind;
using Argv = std::vector<std::string>;

const std::string kWorker = "/opt/gpucert/build/bin/gpucert-worker";
const std::string kInside = "/opt/gpucert/bin/gpucert-worker";

Environment environment(RuntimeKind kind, std::vector<std::string> gpus) {
  Environment env;
  env.kind = kind;
  env.gpus = std::move(gpus);
  env.worker_host_path = kWorker;
  switch (kind) {
    case RuntimeKind::Apptainer:
      env.image = "/images/cuda-13.0-runtime.sif";
      break;
    case RuntimeKind::Enroot:
      env.image = "/images/cuda-13.0-runtime.sqsh";
      break;
    case RuntimeKind::Oci:
      env.image = "/bundles/cuda-13.0-runtime/rootfs";
      break;
    default:
      env.image = "localhost/cuda:13.0-runtime-ubuntu24.04";
  }
  return env;
}

LaunchSpec launched(const Environment& env) {
  auto spec = runtime::launch(env);
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().describe());
  return spec.ok() ? *spec : LaunchSpec{};
}

std::string refusal(const Outcome<LaunchSpec>& spec) {
  EXPECT_FALSE(spec.ok()) << "expected a refusal, got argv starting " << (spec.ok() ? spec->argv.front() : "");
  return spec.ok() ? "" : spec.error().message;
}

bool has(const Argv& argv, const std::string& element) {
  return std::find(argv.begin(), argv.end(), element) != argv.end();
}

// The element right after `flag`, for flags given once.
std::string after(const Argv& argv, const std::string& flag) {
  auto it = std::find(argv.begin(), argv.end(), flag);
  return it == argv.end() || it + 1 == argv.end() ? "" : *(it + 1);
}

std::vector<std::string> all_after(const Argv& argv, const std::string& flag) {
  std::vector<std::string> values;
  for (std::size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == flag) values.push_back(argv[i + 1]);
  return values;
}

const RuntimeKind kContainerKinds[] = {RuntimeKind::Docker, RuntimeKind::Podman, RuntimeKind::Apptainer,
                                       RuntimeKind::Enroot, RuntimeKind::Oci};

void expect_no_shell(const LaunchSpec& spec) {
  ASSERT_FALSE(spec.argv.empty());
  for (const auto* shell : {"sh", "/bin/sh", "bash", "/bin/bash", "/usr/bin/env"}) EXPECT_NE(spec.argv[0], shell);
  EXPECT_FALSE(has(spec.argv, "-c"));
}

// --- docker -------------------------------------------------------------------------------------------

TEST(DockerLaunch, OneGpu) {
  const auto spec = launched(environment(RuntimeKind::Docker, {"0"}));
  const Argv expected = {"docker",
                         "run",
                         "--rm",
                         "-i",
                         "--gpus",
                         "\"device=0\"",
                         "--network",
                         "host",
                         "--ipc",
                         "host",
                         "--security-opt",
                         "no-new-privileges",
                         "--cap-drop",
                         "ALL",
                         "--pull",
                         "never",
                         "-v",
                         kWorker + ":" + kInside + ":ro",
                         "-e",
                         "NCCL_NVLS_ENABLE=0",
                         "-e",
                         "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
                         "--entrypoint",
                         kInside,
                         "localhost/cuda:13.0-runtime-ubuntu24.04"};
  EXPECT_EQ(spec.argv, expected);
  EXPECT_TRUE(spec.set_env.empty());
}

TEST(DockerLaunch, TwoGpusStayOneQuotedDeviceList) {
  // docker reads --gpus as CSV; the quotes keep "device=0,1" one field instead of "device=0" and "1".
  const auto spec = launched(environment(RuntimeKind::Docker, {"0", "1"}));
  EXPECT_EQ(after(spec.argv, "--gpus"), "\"device=0,1\"");
  EXPECT_EQ(all_after(spec.argv, "--gpus").size(), 1u);
}

TEST(DockerLaunch, GpusByUuid) {
  const auto spec = launched(environment(RuntimeKind::Docker, {"GPU-3f1b2c4d-aaaa-bbbb-cccc-0123456789ab"}));
  EXPECT_EQ(after(spec.argv, "--gpus"), "\"device=GPU-3f1b2c4d-aaaa-bbbb-cccc-0123456789ab\"");
}

TEST(DockerLaunch, NamedContainerAndPlugins) {
  auto env = environment(RuntimeKind::Docker, {"0"});
  env.name = "gpucert-r0-g0";
  env.plugin_host_paths = {"/opt/gpucert/build/bin/libgpucert-gemm.so"};
  const auto spec = launched(env);
  EXPECT_EQ(after(spec.argv, "--name"), "gpucert-r0-g0");
  EXPECT_TRUE(has(spec.argv, "/opt/gpucert/build/bin/libgpucert-gemm.so:/opt/gpucert/bin/libgpucert-gemm.so:ro"));
}

TEST(DockerLaunch, ImageThatCarriesTheWorkerGetsNoMount) {
  auto env = environment(RuntimeKind::Docker, {"0"});
  env.worker_host_path.clear();
  const auto spec = launched(env);
  EXPECT_FALSE(has(spec.argv, "-v"));
  EXPECT_EQ(after(spec.argv, "--entrypoint"), kInside);
}

// --- podman -------------------------------------------------------------------------------------------

TEST(PodmanLaunch, OneGpuThroughCdi) {
  const auto spec = launched(environment(RuntimeKind::Podman, {"0"}));
  const Argv expected = {"podman",
                         "--runtime",
                         "runc",
                         "run",
                         "--rm",
                         "-i",
                         "--pull",
                         "never",
                         "--device",
                         "nvidia.com/gpu=0",
                         "--network",
                         "host",
                         "--ipc",
                         "host",
                         "--security-opt",
                         "no-new-privileges",
                         "--cap-drop",
                         "all",
                         "--ulimit",
                         "nofile=1024:1024",
                         "--ulimit",
                         "nproc=1024:1024",
                         "-v",
                         kWorker + ":" + kInside + ":ro",
                         "-e",
                         "NCCL_NVLS_ENABLE=0",
                         "-e",
                         "NVIDIA_VISIBLE_DEVICES=0",
                         "--entrypoint",
                         kInside,
                         "localhost/cuda:13.0-runtime-ubuntu24.04"};
  EXPECT_EQ(spec.argv, expected);
}

TEST(PodmanLaunch, TwoGpusAreTwoCdiDevices) {
  const auto spec = launched(environment(RuntimeKind::Podman, {"0", "1"}));
  EXPECT_EQ(all_after(spec.argv, "--device"), (Argv{"nvidia.com/gpu=0", "nvidia.com/gpu=1"}));
  EXPECT_TRUE(has(spec.argv, "NVIDIA_VISIBLE_DEVICES=0,1"));
}

TEST(PodmanLaunch, UlimitsRuntimeAndKindAreConfigurable) {
  runtime::PodmanOptions options;
  options.oci_runtime.clear();
  options.ulimits = {"nofile=4096:4096"};
  options.cdi_kind = "gpucert.test/gpu";
  const auto spec = runtime::podman_launch(environment(RuntimeKind::Podman, {"1"}), options);
  ASSERT_TRUE(spec.ok()) << spec.error().describe();
  EXPECT_FALSE(has(spec->argv, "--runtime"));
  EXPECT_EQ(all_after(spec->argv, "--ulimit"), Argv{"nofile=4096:4096"});
  EXPECT_EQ(all_after(spec->argv, "--device"), Argv{"gpucert.test/gpu=1"});
  EXPECT_EQ(spec->argv[1], "run");
}

// --- apptainer ----------------------------------------------------------------------------------------

TEST(ApptainerLaunch, OneGpu) {
  const auto spec = launched(environment(RuntimeKind::Apptainer, {"0"}));
  const Argv expected = {"apptainer",
                         "exec",
                         "--nv",
                         "--contain",
                         "--cleanenv",
                         "--pid",
                         "--no-privs",
                         "--bind",
                         kWorker + ":" + kInside + ":ro",
                         "/images/cuda-13.0-runtime.sif",
                         kInside};
  EXPECT_EQ(spec.argv, expected);
  const std::map<std::string, std::string> env = {{"APPTAINERENV_CUDA_DEVICE_ORDER", "PCI_BUS_ID"},
                                                  {"APPTAINERENV_CUDA_VISIBLE_DEVICES", "0"},
                                                  {"APPTAINERENV_NCCL_NVLS_ENABLE", "0"}};
  EXPECT_EQ(spec.set_env, env);
}

TEST(ApptainerLaunch, TwoGpusTravelInTheEnvironmentNotThroughCsvParsedEnvFlags) {
  const auto spec = launched(environment(RuntimeKind::Apptainer, {"0", "1"}));
  EXPECT_EQ(spec.set_env.at("APPTAINERENV_CUDA_VISIBLE_DEVICES"), "0,1");
  EXPECT_FALSE(has(spec.argv, "--env"));
}

TEST(ApptainerLaunch, NvccliBindsOnlyTheListedGpus) {
  runtime::ApptainerOptions options;
  options.nvccli = true;
  const auto spec = runtime::apptainer_launch(environment(RuntimeKind::Apptainer, {"1"}), options);
  ASSERT_TRUE(spec.ok()) << spec.error().describe();
  EXPECT_TRUE(has(spec->argv, "--nvccli"));
  EXPECT_FALSE(has(spec->argv, "--nv"));
  EXPECT_EQ(spec->set_env.at("NVIDIA_VISIBLE_DEVICES"), "1");
  EXPECT_EQ(spec->set_env.count("APPTAINERENV_CUDA_VISIBLE_DEVICES"), 0u);
}

TEST(ApptainerLaunch, SingularityTakesItsOwnPrefix) {
  runtime::ApptainerOptions options;
  options.program = "/usr/bin/singularity";
  const auto spec = runtime::apptainer_launch(environment(RuntimeKind::Apptainer, {"0"}), options);
  ASSERT_TRUE(spec.ok()) << spec.error().describe();
  EXPECT_EQ(spec->argv[0], "/usr/bin/singularity");
  EXPECT_EQ(spec->set_env.at("SINGULARITYENV_NCCL_NVLS_ENABLE"), "0");
}

TEST(ApptainerLaunch, RegistryUrisFollowTheTagPolicyAndFilesDoNot) {
  auto env = environment(RuntimeKind::Apptainer, {"0"});
  env.image = "docker://nvcr.io/nvidia/cuda";
  EXPECT_HAS(refusal(runtime::launch(env)), "no tag");
  env.image = "docker://nvcr.io/nvidia/cuda:13.0.0-runtime-ubuntu24.04";
  EXPECT_TRUE(runtime::launch(env).ok());
  env.image = "/images/cuda.sif";
  EXPECT_TRUE(runtime::launch(env).ok());
}

// --- enroot -------------------------------------------------------------------------------------------

TEST(EnrootLaunch, OneGpu) {
  const auto spec = launched(environment(RuntimeKind::Enroot, {"0"}));
  const Argv expected = {"enroot",  "start",
                         "--mount", kWorker + ":" + kInside + ":none:x-create=file,bind,ro,nosuid,nodev",
                         "--env",   "NCCL_NVLS_ENABLE=0",
                         "--env",   "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
                         "--env",   "NVIDIA_VISIBLE_DEVICES=0",
                         "--",      "/images/cuda-13.0-runtime.sqsh",
                         kInside};
  EXPECT_EQ(spec.argv, expected);
}

TEST(EnrootLaunch, TwoGpus) {
  const auto spec = launched(environment(RuntimeKind::Enroot, {"0", "1"}));
  EXPECT_TRUE(has(spec.argv, "NVIDIA_VISIBLE_DEVICES=0,1"));
}

TEST(EnrootLaunch, RegistryImagesAreImportedFirst) {
  auto env = environment(RuntimeKind::Enroot, {"0"});
  env.image = "docker://nvcr.io#nvidia/cuda:13.0.0-runtime-ubuntu24.04";
  EXPECT_HAS(refusal(runtime::launch(env)), "enroot import -o FILE.sqsh");
  env.image = "docker://nvcr.io#nvidia/cuda:latest";
  EXPECT_HAS(refusal(runtime::launch(env)), "latest");

  const auto import =
      runtime::enroot_import_launch("docker://nvcr.io#nvidia/cuda:13.0.0-runtime-ubuntu24.04", "/images/cuda.sqsh");
  ASSERT_TRUE(import.ok()) << import.error().describe();
  EXPECT_EQ(import->argv, (Argv{"enroot", "import", "--output", "/images/cuda.sqsh", "--",
                                "docker://nvcr.io#nvidia/cuda:13.0.0-runtime-ubuntu24.04"}));
  EXPECT_HAS(refusal(runtime::enroot_import_launch("docker://nvcr.io#nvidia/cuda", "/images/cuda.sqsh")), "no tag");
}

TEST(EnrootLaunch, RefusesWhatEnrootWouldSplit) {
  auto env = environment(RuntimeKind::Enroot, {"0"});
  env.extra_env["NOTE"] = "two\nlines";
  EXPECT_HAS(refusal(runtime::launch(env)), "newline in NOTE");
  env = environment(RuntimeKind::Enroot, {"0"});
  env.worker_host_path = "/opt/my worker/gpucert-worker";
  EXPECT_HAS(refusal(runtime::launch(env)), "a space");
}

TEST(EnrootLaunch, CannotGivePrivateNamespaces) {
  auto env = environment(RuntimeKind::Enroot, {"0"});
  env.host_ipc = false;
  EXPECT_HAS(refusal(runtime::launch(env)), "always shares the host's network and IPC");
}

// --- every runtime ------------------------------------------------------------------------------------

TEST(ContainerLaunch, PrivateNetworkAndIpcWhenAsked) {
  for (auto kind : {RuntimeKind::Docker, RuntimeKind::Podman}) {
    auto env = environment(kind, {"0"});
    env.host_network = env.host_ipc = false;
    const auto spec = launched(env);
    EXPECT_EQ(after(spec.argv, "--network"), "none") << to_string(kind);
    EXPECT_EQ(after(spec.argv, "--ipc"), "private") << to_string(kind);
  }
  auto env = environment(RuntimeKind::Apptainer, {"0"});
  env.host_network = env.host_ipc = false;
  const auto spec = launched(env);
  EXPECT_TRUE(has(spec.argv, "--ipc"));
  EXPECT_EQ(after(spec.argv, "--network"), "none");
}

TEST(ContainerLaunch, NoRuntimeAddsAPrivilege) {
  for (auto kind : kContainerKinds)
    for (const auto& gpus : {std::vector<std::string>{"0"}, std::vector<std::string>{"0", "1"}}) {
      auto env = environment(kind, gpus);
      env.name = "gpucert-test";
      runtime::RuntimeOptions options;
      options.oci.bundle_dir = "/bundles/test";
      const auto spec = runtime::launch(env, options);
      ASSERT_TRUE(spec.ok()) << spec.error().describe();
      const auto& argv = spec->argv;
      SCOPED_TRACE(std::string(to_string(kind)) + " with " + std::to_string(gpus.size()) + " GPUs");
      for (const auto& arg : argv) {
        EXPECT_EQ(arg.find("--privileged"), std::string::npos) << arg;
        EXPECT_EQ(arg.find("--cap-add"), std::string::npos) << arg;
        EXPECT_EQ(arg.find("unconfined"), std::string::npos) << arg;
        EXPECT_NE(arg, "--writable") << arg;
        EXPECT_NE(arg, "--rw") << arg;    // enroot: writable root
        EXPECT_NE(arg, "--root") << arg;  // enroot: remapped to root
        EXPECT_NE(arg, "--fakeroot") << arg;
      }
      if (kind == RuntimeKind::Docker || kind == RuntimeKind::Podman) {
        EXPECT_EQ(all_after(argv, "--security-opt"), std::vector<std::string>{"no-new-privileges"});
        EXPECT_TRUE(after(argv, "--cap-drop") == "ALL" || after(argv, "--cap-drop") == "all");
      }
      if (kind == RuntimeKind::Apptainer) {
        EXPECT_TRUE(has(argv, "--no-privs"));
      }
    }
}

TEST(ContainerLaunch, OnlyTheRequestedGpuIsExposed) {
  EXPECT_EQ(after(launched(environment(RuntimeKind::Docker, {"1"})).argv, "--gpus"), "\"device=1\"");
  EXPECT_EQ(all_after(launched(environment(RuntimeKind::Podman, {"1"})).argv, "--device"), Argv{"nvidia.com/gpu=1"});
  EXPECT_EQ(launched(environment(RuntimeKind::Apptainer, {"1"})).set_env.at("APPTAINERENV_CUDA_VISIBLE_DEVICES"), "1");
  EXPECT_TRUE(has(launched(environment(RuntimeKind::Enroot, {"1"})).argv, "NVIDIA_VISIBLE_DEVICES=1"));
  for (auto kind : {RuntimeKind::Docker, RuntimeKind::Podman, RuntimeKind::Apptainer, RuntimeKind::Enroot}) {
    const auto spec = launched(environment(kind, {"1"}));
    for (const auto& arg : spec.argv) EXPECT_EQ(arg.find("=all"), std::string::npos) << to_string(kind) << ": " << arg;
    for (const auto& [name, value] : spec.set_env) EXPECT_NE(value, "all") << name;
  }
}

TEST(ContainerLaunch, GpuListsAreExplicit) {
  for (const auto* bad : {"all", "0,1", "", "-1", "none", "GPU-", "GPU-1 2"}) {
    auto env = environment(RuntimeKind::Docker, {bad});
    EXPECT_FALSE(runtime::launch(env).ok()) << "'" << bad << "'";
  }
  EXPECT_HAS(refusal(runtime::launch(environment(RuntimeKind::Podman, {}))), "no GPU given");
  EXPECT_HAS(refusal(runtime::launch(environment(RuntimeKind::Podman, {"1", "1"}))), "listed twice");
}

TEST(ContainerLaunch, NvlinkMulticastStaysOff) {
  for (auto kind : kContainerKinds) {
    auto env = environment(kind, {"0"});
    env.extra_env["NCCL_NVLS_ENABLE"] = "1";
    runtime::RuntimeOptions options;
    options.oci.bundle_dir = "/bundles/test";
    env.name = "gpucert-test";
    EXPECT_HAS(refusal(runtime::launch(env, options)), "NCCL_NVLS_ENABLE=1 refused");
  }
}

TEST(ContainerLaunch, GpuVisibilityComesOnlyFromTheGpuList) {
  auto env = environment(RuntimeKind::Docker, {"0"});
  env.extra_env["NVIDIA_VISIBLE_DEVICES"] = "all";
  EXPECT_HAS(refusal(runtime::launch(env)), "list the GPUs there instead");
}

TEST(ContainerLaunch, HostileValuesStaySingleUnalteredArguments) {
  const std::vector<std::string> hostile = {"; rm -rf /",   "$(reboot)",    "`reboot`",
                                            "a b  c",       "line1\nline2", "\"double\" 'single'",
                                            "x' ; echo 'y", "--privileged", "${HOME}|&>"};
  for (auto kind : {RuntimeKind::Docker, RuntimeKind::Podman, RuntimeKind::Apptainer, RuntimeKind::Enroot}) {
    for (const auto& value : hostile) {
      if (kind == RuntimeKind::Enroot && value.find('\n') != std::string::npos) continue;  // refused, tested above
      auto env = environment(kind, {"0"});
      env.extra_env["HOSTILE"] = value;
      const auto spec = launched(env);
      SCOPED_TRACE(std::string(to_string(kind)) + " with " + value);
      expect_no_shell(spec);
      if (kind == RuntimeKind::Apptainer) {
        EXPECT_EQ(spec.set_env.at("APPTAINERENV_HOSTILE"), value);
      } else {
        EXPECT_TRUE(has(spec.argv, "HOSTILE=" + value));
      }
      // The value is never the start of an argument of its own, where a runtime could read it as an option.
      EXPECT_FALSE(has(spec.argv, value));
    }
  }
}

TEST(ContainerLaunch, HostileImageNamesAndPathsStaySingleUnalteredArguments) {
  // Registry references keep their tag, so the tag policy lets them through to the runtime, which refuses them.
  for (auto kind : {RuntimeKind::Docker, RuntimeKind::Podman}) {
    for (const char* image : {"localhost/cuda; rm -rf /:13.0", "localhost/$(reboot):13.0", "localhost/a b\nc:13.0",
                              "localhost/\"quoted\" 'x':13.0"}) {
      auto env = environment(kind, {"0"});
      env.image = image;
      env.worker_host_path = "/tmp/my worker; $(reboot) \"q\"/gpucert-worker";
      const auto spec = launched(env);
      expect_no_shell(spec);
      EXPECT_EQ(spec.argv.back(), image);
      EXPECT_TRUE(has(spec.argv, env.worker_host_path + ":" + kInside + ":ro"));
    }
  }
  for (auto kind : {RuntimeKind::Apptainer, RuntimeKind::Enroot}) {
    for (const char* image : {"/images/x; rm -rf $(reboot).sif", "/images/a b\nc \"q\" 'x'.sif"}) {
      auto env = environment(kind, {"0"});
      env.image = image;
      const auto spec = launched(env);
      expect_no_shell(spec);
      EXPECT_EQ(spec.argv[spec.argv.size() - 2], image);
      EXPECT_EQ(spec.argv.back(), kInside);
    }
  }
}

TEST(ContainerLaunch, ImagesStartingWithADashAreRefused) {
  auto env = environment(RuntimeKind::Docker, {"0"});
  env.image = "--volume=/:/host:ro";
  EXPECT_HAS(refusal(runtime::launch(env)), "starts with '-'");
}

TEST(ContainerLaunch, MountSeparatorsInHostPathsAreRefused) {
  auto env = environment(RuntimeKind::Docker, {"0"});
  env.worker_host_path = "/opt/a:b/gpucert-worker";
  EXPECT_HAS(refusal(runtime::launch(env)), "the path contains ':'");
  env = environment(RuntimeKind::Apptainer, {"0"});
  env.plugin_host_paths = {"/opt/a,b/libgpucert-gemm.so"};
  EXPECT_HAS(refusal(runtime::launch(env)), "the path contains ','");
}

TEST(ContainerLaunch, ImagesWithoutAPinnedVersionAreRefused) {
  for (auto kind : {RuntimeKind::Docker, RuntimeKind::Podman}) {
    auto env = environment(kind, {"0"});
    env.image = "localhost/cuda";
    EXPECT_HAS(refusal(runtime::launch(env)), "has no tag");
    env.image = "localhost/cuda:latest";
    EXPECT_HAS(refusal(runtime::launch(env)), "uses the tag 'latest'");
    env.image = "nvcr.io/nvidia/cuda@sha256:" + std::string(64, 'a');
    EXPECT_TRUE(runtime::launch(env).ok()) << to_string(kind);
  }
}

TEST(ContainerLaunch, AnEnvironmentOfAnotherKindIsRefused) {
  EXPECT_HAS(refusal(runtime::docker_launch(environment(RuntimeKind::Podman, {"0"}))),
             "a podman environment was given to the docker launcher");
}

TEST(ContainerLaunch, NativeThroughTheDispatcherSeesOnlyItsGpus) {
  Environment env;
  env.worker_host_path = kWorker;
  env.gpus = {"1"};
  const auto spec = launched(env);
  EXPECT_EQ(spec.argv, Argv{kWorker});
  EXPECT_EQ(spec.set_env.at("CUDA_VISIBLE_DEVICES"), "1");
  EXPECT_EQ(spec.set_env.at("CUDA_DEVICE_ORDER"), "PCI_BUS_ID");
  EXPECT_EQ(spec.set_env.at("NCCL_NVLS_ENABLE"), "0");
}

TEST(ContainerLaunch, LeftoverContainersCanBeRemovedByName) {
  runtime::RuntimeOptions options;
  options.oci.program = "crun";
  auto env = environment(RuntimeKind::Docker, {"0"});
  env.name = "gpucert-r0";
  EXPECT_EQ(runtime::removal_launch(env, options)->argv, (Argv{"docker", "rm", "--force", "gpucert-r0"}));
  env.kind = RuntimeKind::Podman;
  EXPECT_EQ(runtime::removal_launch(env, options)->argv, (Argv{"podman", "rm", "--force", "gpucert-r0"}));
  env.kind = RuntimeKind::Oci;
  EXPECT_EQ(runtime::removal_launch(env, options)->argv, (Argv{"crun", "delete", "--force", "gpucert-r0"}));
  env.kind = RuntimeKind::Apptainer;
  EXPECT_FALSE(runtime::removal_launch(env, options).has_value());
  env.kind = RuntimeKind::Docker;
  env.name.clear();
  EXPECT_FALSE(runtime::removal_launch(env, options).has_value());
  env.name = "bad name";
  EXPECT_HAS(refusal(runtime::launch(env)), "may hold only letters");
}

TEST(RuntimeKind, NamesRoundTrip) {
  for (auto kind : kContainerKinds) EXPECT_EQ(*runtime::parse_runtime_kind(to_string(kind)), kind);
  const auto bad = runtime::parse_runtime_kind("lxc");
  ASSERT_FALSE(bad.ok());
  EXPECT_HAS(bad.error().message, "unknown runtime 'lxc'");
}

}  // namespace
}  // namespace gpucert

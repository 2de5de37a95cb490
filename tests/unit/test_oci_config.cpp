// The OCI bundle config as a pure function of the environment and the host's facts: exactly the requested
// GPUs' nodes (plus the control nodes) created and allowed, the driver libraries bound read-only, no
// capability, no_new_privs, and the namespaces NCCL needs shared with the host.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "runtime/oci_config.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

using nlohmann::json;
using runtime::DeviceNode;
using runtime::Environment;
using runtime::HostFacts;
using runtime::RuntimeKind;

DeviceNode node(const std::string& path, long long major, long long minor) {
  DeviceNode n;
  n.path = path;
  n.major = major;
  n.minor = minor;
  return n;
}

// Two GPUs as a two-GPU H100 host shows them; nvidia-uvm's major is assigned at load time.
HostFacts two_gpu_host() {
  HostFacts facts;
  facts.gpus = {{0, "GPU-aaaaaaaa-1111-2222-3333-444444444444", "0000:18:00.0", node("/dev/nvidia0", 195, 0)},
                {1, "GPU-bbbbbbbb-1111-2222-3333-444444444444", "0000:2a:00.0", node("/dev/nvidia1", 195, 1)}};
  facts.control_nodes = {node("/dev/nvidiactl", 195, 255), node("/dev/nvidia-uvm", 508, 0),
                         node("/dev/nvidia-uvm-tools", 508, 1)};
  facts.driver_libraries = {"/usr/local/nvidia/lib64/libcuda.so.1", "/usr/local/nvidia/lib64/libnvidia-ml.so.1",
                            "/usr/local/nvidia/lib64/libnvidia-ptxjitcompiler.so.1"};
  return facts;
}

Environment oci_environment(std::vector<std::string> gpus) {
  Environment env;
  env.kind = RuntimeKind::Oci;
  env.image = "/var/lib/gpucert/bundles/cuda-13.0-runtime/rootfs";
  env.gpus = std::move(gpus);
  env.worker_host_path = "/opt/gpucert/build/bin/gpucert-worker";
  env.name = "gpucert-r0-g1";
  return env;
}

json config_for(const Environment& env, const HostFacts& facts = two_gpu_host()) {
  auto config = runtime::oci_config(env, facts);
  EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error().describe());
  return config.ok() ? *config : json::object();
}

std::vector<std::string> device_paths(const json& config) {
  std::vector<std::string> paths;
  for (const auto& d : config["linux"]["devices"]) paths.push_back(d["path"]);
  return paths;
}

std::vector<std::string> env_of(const json& config) { return config["process"]["env"].get<std::vector<std::string>>(); }

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

const json* mount_at(const json& config, const std::string& destination) {
  for (const auto& m : config["mounts"])
    if (m["destination"] == destination) return &m;
  return nullptr;
}

TEST(OciConfig, OnlyTheRequestedGpuNodeAndTheControlNodes) {
  auto config = config_for(oci_environment({"1"}));
  EXPECT_EQ(device_paths(config),
            (std::vector<std::string>{"/dev/nvidia1", "/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"}));
  EXPECT_EQ(config.dump().find("/dev/nvidia0"), std::string::npos) << "GPU 0 must not appear anywhere";
  const auto& gpu = config["linux"]["devices"][0];
  EXPECT_EQ(gpu["type"], "c");
  EXPECT_EQ(gpu["major"], 195);
  EXPECT_EQ(gpu["minor"], 1);
  EXPECT_EQ(gpu["fileMode"], 0666);
  EXPECT_EQ(config["linux"]["devices"][2]["major"], 508);
}

TEST(OciConfig, TwoGpus) {
  auto config = config_for(oci_environment({"0", "1"}));
  const auto paths = device_paths(config);
  EXPECT_TRUE(contains(paths, "/dev/nvidia0"));
  EXPECT_TRUE(contains(paths, "/dev/nvidia1"));
  EXPECT_EQ(paths.size(), 5u);
  EXPECT_TRUE(contains(env_of(config), "NVIDIA_VISIBLE_DEVICES=0,1"));
}

TEST(OciConfig, DeviceCgroupDeniesAllButThoseNodes) {
  auto config = config_for(oci_environment({"1"}));
  const auto& rules = config["linux"]["resources"]["devices"];
  ASSERT_EQ(rules.size(), 5u);
  EXPECT_EQ(rules[0], (json{{"allow", false}, {"access", "rwm"}}));
  std::set<std::pair<long long, long long>> allowed;
  for (std::size_t i = 1; i < rules.size(); ++i) {
    EXPECT_EQ(rules[i]["allow"], true);
    EXPECT_EQ(rules[i]["type"], "c");
    EXPECT_EQ(rules[i]["access"], "rwm");
    allowed.insert({rules[i]["major"].get<long long>(), rules[i]["minor"].get<long long>()});
  }
  const std::set<std::pair<long long, long long>> expected = {{195, 1}, {195, 255}, {508, 0}, {508, 1}};
  EXPECT_EQ(allowed, expected);
}

TEST(OciConfig, GpusByUuidAndMinorNumbersThatDifferFromIndices) {
  auto facts = two_gpu_host();
  std::swap(facts.gpus[0].node, facts.gpus[1].node);  // index 0 is /dev/nvidia1: minors follow probe order
  auto by_index = config_for(oci_environment({"0"}), facts);
  EXPECT_EQ(device_paths(by_index)[0], "/dev/nvidia1");
  auto by_uuid = config_for(oci_environment({"GPU-bbbbbbbb-1111-2222-3333-444444444444"}), facts);
  EXPECT_EQ(device_paths(by_uuid)[0], "/dev/nvidia0");
}

TEST(OciConfig, AGpuTheHostLacksIsRefusedWithTheListOfThoseItHas) {
  const auto config = runtime::oci_config(oci_environment({"2"}), two_gpu_host());
  ASSERT_FALSE(config.ok());
  EXPECT_HAS(config.error().message, "GPU '2' is not on this host");
  EXPECT_HAS(config.error().message, "1 (GPU-bbbbbbbb");
}

TEST(OciConfig, NoCapabilityNoNewPrivilegesReadOnlyRoot) {
  auto config = config_for(oci_environment({"0"}));
  const auto& process = config["process"];
  for (const auto* set : {"bounding", "effective", "inheritable", "permitted", "ambient"}) {
    ASSERT_TRUE(process["capabilities"].contains(set)) << set;
    EXPECT_TRUE(process["capabilities"][set].is_array()) << set;
    EXPECT_TRUE(process["capabilities"][set].empty()) << set;
  }
  EXPECT_EQ(process["noNewPrivileges"], true);
  EXPECT_EQ(process["terminal"], false);
  EXPECT_EQ(process["args"], json::array({"/opt/gpucert/bin/gpucert-worker"}));
  EXPECT_EQ(config["root"], (json{{"path", "/var/lib/gpucert/bundles/cuda-13.0-runtime/rootfs"}, {"readonly", true}}));
  EXPECT_EQ(config["ociVersion"].get<std::string>().rfind("1.", 0), 0u);
}

TEST(OciConfig, NoLibraryPathOfItsOwnAndMulticastOff) {
  auto env = oci_environment({"0"});
  env.extra_env["LD_LIBRARY_PATH"] = "/usr/local/cuda/lib64";
  const auto vars = env_of(config_for(env));
  EXPECT_TRUE(contains(vars, "LD_LIBRARY_PATH=/usr/local/cuda/lib64"));  // as given, nothing put in front
  EXPECT_FALSE(contains(env_of(config_for(oci_environment({"0"}))), "LD_LIBRARY_PATH=/usr/local/nvidia/lib64"));
  EXPECT_TRUE(contains(vars, "NCCL_NVLS_ENABLE=0"));
  EXPECT_TRUE(contains(vars, "NVIDIA_VISIBLE_DEVICES=0"));
  EXPECT_TRUE(contains(vars, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
}

TEST(OciConfig, DriverLibrariesAndWorkerAreBoundReadOnly) {
  auto config = config_for(oci_environment({"0"}));
  const json read_only = {"bind", "ro", "nosuid", "nodev"};
  const auto* worker = mount_at(config, "/opt/gpucert/bin/gpucert-worker");
  ASSERT_NE(worker, nullptr);
  EXPECT_EQ((*worker)["source"], "/opt/gpucert/build/bin/gpucert-worker");
  EXPECT_EQ((*worker)["options"], read_only);
  // A root filesystem without /etc/debian_version: the toolkit's /usr/lib64.
  for (const auto& library : two_gpu_host().driver_libraries) {
    const auto name = library.substr(library.rfind('/') + 1);
    const auto* m = mount_at(config, "/usr/lib64/" + name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ((*m)["source"], library);
    EXPECT_EQ((*m)["type"], "bind");
    EXPECT_EQ((*m)["options"], read_only);
  }
  // Every bind but the shared /dev/shm is read-only.
  for (const auto& m : config["mounts"]) {
    if (m["type"] != "bind" || m["destination"] == "/dev/shm") continue;
    const auto options = m["options"].get<std::vector<std::string>>();
    EXPECT_TRUE(contains(options, "ro")) << m.dump();
  }
}

runtime::OciOptions debian_options() {
  runtime::OciOptions options;
  options.layout.debian_family = true;
  return options;
}

TEST(OciConfig, LegacyPlacementInTheImagesLibraryFolder) {
  auto config = runtime::oci_config(oci_environment({"0"}), two_gpu_host(), debian_options());
  ASSERT_TRUE(config.ok()) << config.error().describe();
  for (const auto* name : {"libcuda.so.1", "libcuda.so", "libnvidia-ml.so.1", "libnvidia-ptxjitcompiler.so.1"})
    EXPECT_NE(mount_at(*config, std::string("/usr/lib/x86_64-linux-gnu/") + name), nullptr) << name;
  for (const auto& m : (*config)["mounts"])  // nowhere gpucert's own folder
    EXPECT_NE(m["destination"].get<std::string>().rfind("/usr/local/nvidia", 0), 0u) << m.dump();
  EXPECT_FALSE(config->contains("hooks"));  // no writable /etc given: nothing rebuilds the cache
}

TEST(OciConfig, CapabilitiesOfTheImageDecideTheLibraries) {
  auto options = debian_options();
  options.image_env = {{"NVIDIA_DRIVER_CAPABILITIES", "utility"}, {"NVIDIA_VISIBLE_DEVICES", "void"}};
  auto config = runtime::oci_config(oci_environment({"0"}), two_gpu_host(), options);
  ASSERT_TRUE(config.ok()) << config.error().describe();
  // --gpus device=0 wins over the image's void; its capabilities stay: NVML, no libcuda.
  EXPECT_EQ(device_paths(*config)[0], "/dev/nvidia0");
  EXPECT_NE(mount_at(*config, "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1"), nullptr);
  EXPECT_EQ(mount_at(*config, "/usr/lib/x86_64-linux-gnu/libcuda.so.1"), nullptr);
  EXPECT_TRUE(contains(env_of(*config), "NVIDIA_VISIBLE_DEVICES=0"));

  options.image_env = {{"NVIDIA_DRIVER_CAPABILITIES", "compute,cuda"}};
  auto refused = runtime::oci_config(oci_environment({"0"}), two_gpu_host(), options);
  ASSERT_FALSE(refused.ok());
  EXPECT_HAS(refused.error().message, "unsupported capabilities found in 'compute,cuda'");
}

TEST(OciConfig, UnsatisfiedRequirementIsRefusedInTheToolkitsWords) {
  auto facts = two_gpu_host();
  facts.driver_release = "535.183.01";
  auto options = debian_options();
  options.image_env = {{"CUDA_VERSION", "13.0.1"}, {"NVIDIA_REQUIRE_CUDA", "cuda>=13.0"}};
  auto config = runtime::oci_config(oci_environment({"0"}), facts, options);
  ASSERT_FALSE(config.ok());
  EXPECT_HAS(config.error().message, "requirement error: unsatisfied condition: cuda>=13.0, please update your driver");
  options.image_env["NVIDIA_DISABLE_REQUIRE"] = "true";
  EXPECT_TRUE(runtime::oci_config(oci_environment({"0"}), facts, options).ok());
}

TEST(OciConfig, WritableEtcAndTheLdCacheRebuiltByTheHostsLdconfig) {
  auto facts = two_gpu_host();
  facts.ldconfig = "/sbin/ldconfig";
  auto options = debian_options();
  options.etc_dir = "/var/tmp/bundle/etc";
  auto env = oci_environment({"0"});
  auto config = runtime::oci_config(env, facts, options);
  ASSERT_TRUE(config.ok()) << config.error().describe();
  const auto* etc = mount_at(*config, "/etc");
  ASSERT_NE(etc, nullptr);
  EXPECT_EQ((*etc)["source"], "/var/tmp/bundle/etc");
  EXPECT_TRUE(contains((*etc)["options"].get<std::vector<std::string>>(), "rw"));
  const auto& hook = (*config)["hooks"]["createContainer"][0];
  EXPECT_EQ(hook["path"], "/sbin/ldconfig");
  EXPECT_EQ(hook["args"], json::array({"/sbin/ldconfig", "-r", env.image, "-i", "-X", "-f", "/etc/ld.so.conf", "-C",
                                       "/etc/ld.so.cache"}));
  EXPECT_EQ((*config)["root"]["readonly"], true);
}

TEST(OciConfig, CdiPlacementAtHostPaths) {
  auto options = debian_options();
  options.injection = runtime::InjectionMode::Cdi;
  options.image_env = {{"NVIDIA_DRIVER_CAPABILITIES", "utility"}, {"NVIDIA_VISIBLE_DEVICES", "void"}};
  auto config = runtime::oci_config(oci_environment({"1"}), two_gpu_host(), options);
  ASSERT_TRUE(config.ok()) << config.error().describe();
  // The CDI runtime reads no NVIDIA_* variable: every library, at its host path, and the image's Env kept.
  EXPECT_NE(mount_at(*config, "/usr/local/nvidia/lib64/libcuda.so.1"), nullptr);
  EXPECT_NE(mount_at(*config, "/usr/local/nvidia/lib64/libnvidia-ml.so.1"), nullptr);
  EXPECT_TRUE(contains(env_of(*config), "NVIDIA_VISIBLE_DEVICES=void"));
  EXPECT_EQ(device_paths(*config)[0], "/dev/nvidia1");
}

TEST(ToolkitInjection, LdConfFilesAndForwardCompatibility) {
  auto facts = two_gpu_host();
  facts.driver_release = "535.183.01";
  runtime::ImageLayout layout;
  layout.debian_family = true;
  layout.compat_libcuda = "libcuda.so.580.65.06";
  const auto driver = runtime::host_driver(facts);
  EXPECT_EQ(driver.cuda_version, "12.2");
  auto plan = runtime::plan_injection(runtime::InjectionMode::Legacy, {}, {"0"}, layout, facts, driver);
  ASSERT_TRUE(plan.ok()) << plan.error().describe();
  ASSERT_EQ(plan->ld_conf_files.size(), 3u);
  EXPECT_EQ(plan->ld_conf_files[0].first, "00-compat-gpucert.conf");
  EXPECT_EQ(plan->ld_conf_files[0].second, std::vector<std::string>{"/usr/local/cuda/compat"});
  EXPECT_EQ(plan->ld_conf_files[1].second, std::vector<std::string>{"/usr/lib/x86_64-linux-gnu"});
  EXPECT_EQ(plan->ld_conf_files[2].first, "zz-nvcr-gpucert.conf");
  EXPECT_HAS(plan->compat_note, "newer than the host driver");

  facts.driver_release = "580.95.05";  // the compat libcuda is not newer: left out
  plan = runtime::plan_injection(runtime::InjectionMode::Legacy, {}, {"0"}, layout, facts, runtime::host_driver(facts));
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->ld_conf_files.front().first, "00-nvcr-gpucert.conf");

  layout.debian_family = false;
  plan = runtime::plan_injection(runtime::InjectionMode::Cdi, {}, {"all"}, layout, facts, runtime::host_driver(facts));
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->nodes.size(), 5u);  // both GPUs and the three control nodes
  EXPECT_EQ(plan->ld_conf_files.front().second, std::vector<std::string>{"/usr/local/nvidia/lib64"});
  EXPECT_EQ(plan->ld_conf_files.back().second.back(), "/usr/libx32");
}

TEST(ToolkitInjection, VoidAndNoneAndLegacyImages) {
  const auto facts = two_gpu_host();
  const runtime::ImageLayout layout;
  // No request (the nvidia runtime without --gpus): the image decides.
  auto plan = runtime::plan_injection(runtime::InjectionMode::Legacy, {{"NVIDIA_VISIBLE_DEVICES", "void"}}, {}, layout,
                                      facts, {});
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->inject);
  EXPECT_TRUE(plan->nodes.empty() && plan->libraries.empty());
  plan = runtime::plan_injection(runtime::InjectionMode::Legacy, {{"NVIDIA_VISIBLE_DEVICES", "none"}}, {}, layout,
                                 facts, {});
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->inject);
  EXPECT_EQ(plan->nodes.size(), 3u);  // control nodes only
  EXPECT_FALSE(plan->libraries.empty());
  plan = runtime::plan_injection(runtime::InjectionMode::Legacy, {{"CUDA_VERSION", "10.2"}}, {}, layout, facts, {});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->nodes.size(), 5u);  // a legacy image: all GPUs, all capabilities
  EXPECT_EQ(plan->capabilities, static_cast<unsigned>(toolkit::kAllCapabilities));
  auto refused = runtime::plan_injection(runtime::InjectionMode::Legacy, {}, {"7"}, layout, facts, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_HAS(refused.error().message, "unknown device");
}

TEST(OciConfig, SystemMountsAsRuncsDefaultSpec) {
  auto config = config_for(oci_environment({"0"}));
  ASSERT_NE(mount_at(config, "/proc"), nullptr);
  EXPECT_EQ((*mount_at(config, "/proc"))["type"], "proc");
  EXPECT_EQ((*mount_at(config, "/dev"))["type"], "tmpfs");
  EXPECT_EQ((*mount_at(config, "/dev/pts"))["type"], "devpts");
  const auto sys = (*mount_at(config, "/sys"))["options"].get<std::vector<std::string>>();
  EXPECT_TRUE(contains(sys, "ro"));
  // A writable /tmp on the read-only root, where nvcc's program of the devel check must also run.
  ASSERT_NE(mount_at(config, "/tmp"), nullptr);
  EXPECT_EQ((*mount_at(config, "/tmp"))["type"], "tmpfs");
  const auto tmp = (*mount_at(config, "/tmp"))["options"].get<std::vector<std::string>>();
  EXPECT_TRUE(contains(tmp, "nosuid") && contains(tmp, "nodev") && !contains(tmp, "noexec"));
  const auto masked = config["linux"]["maskedPaths"].get<std::vector<std::string>>();
  for (const auto* path : {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                           "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"})
    EXPECT_TRUE(contains(masked, path)) << path;
  EXPECT_EQ(config["linux"]["readonlyPaths"],
            json::array({"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}));
}

TEST(OciConfig, HostNetworkAndIpcByDefaultPrivateWhenAsked) {
  auto types = [](const json& config) {
    std::set<std::string> out;
    for (const auto& ns : config["linux"]["namespaces"]) out.insert(ns["type"]);
    return out;
  };
  auto shared = config_for(oci_environment({"0"}));
  EXPECT_EQ(types(shared), (std::set<std::string>{"pid", "mount", "uts"}));
  EXPECT_EQ((*mount_at(shared, "/dev/shm"))["source"], "/dev/shm");
  EXPECT_EQ((*mount_at(shared, "/dev/shm"))["type"], "bind");

  auto env = oci_environment({"0"});
  env.host_network = env.host_ipc = false;
  auto isolated = config_for(env);
  EXPECT_EQ(types(isolated), (std::set<std::string>{"pid", "mount", "uts", "ipc", "network"}));
  EXPECT_EQ((*mount_at(isolated, "/dev/shm"))["type"], "tmpfs");
}

TEST(OciConfig, MissingDriverPiecesAreExplained) {
  auto facts = two_gpu_host();
  facts.control_nodes.erase(facts.control_nodes.begin() + 1);  // no /dev/nvidia-uvm
  auto config = runtime::oci_config(oci_environment({"0"}), facts);
  ASSERT_FALSE(config.ok());
  EXPECT_HAS(config.error().message, "/dev/nvidia-uvm is missing");
  EXPECT_HAS(config.error().message, "nvidia-modprobe");

  facts = two_gpu_host();
  facts.driver_libraries = {"/usr/local/nvidia/lib64/libnvidia-ml.so.1"};
  config = runtime::oci_config(oci_environment({"0"}), facts);
  ASSERT_FALSE(config.ok());
  EXPECT_HAS(config.error().message, "no libcuda.so.1");
}

TEST(OciConfig, RootfsMustBeAnAbsolutePath) {
  auto env = oci_environment({"0"});
  env.image = "rootfs";
  const auto config = runtime::oci_config(env, two_gpu_host());
  ASSERT_FALSE(config.ok());
  EXPECT_HAS(config.error().message, "absolute path of a root filesystem");
}

TEST(OciConfig, HostileValuesStayLiteral) {
  auto env = oci_environment({"0"});
  env.image = "/var/lib/my bundles/$(reboot); rm -rf \"/\"\n/rootfs";
  env.extra_env["HOSTILE"] = "; rm -rf / $(reboot) `id` \"q\" 'x'\nsecond line";
  auto config = config_for(env);
  EXPECT_EQ(config["root"]["path"], env.image);
  EXPECT_TRUE(contains(env_of(config), "HOSTILE=" + env.extra_env["HOSTILE"]));
  EXPECT_EQ(config["process"]["args"].size(), 1u);
}

TEST(OciLaunch, RuncOrCrunRunTheBundle) {
  auto env = oci_environment({"0"});
  runtime::OciOptions options;
  options.bundle_dir = "/var/lib/gpucert/bundles/r0";
  auto spec = runtime::oci_launch(env, options);
  ASSERT_TRUE(spec.ok()) << spec.error().describe();
  EXPECT_EQ(spec->argv,
            (std::vector<std::string>{"runc", "run", "--bundle", "/var/lib/gpucert/bundles/r0", "gpucert-r0-g1"}));
  options.program = "crun";
  EXPECT_EQ(runtime::oci_launch(env, options)->argv[0], "crun");

  env.name.clear();
  EXPECT_FALSE(runtime::oci_launch(env, options).ok());
  env.name = "gpucert-r0-g1";
  options.bundle_dir = "bundle";
  EXPECT_FALSE(runtime::oci_launch(env, options).ok());
}

TEST(OciLaunch, ConfigIsWrittenWholeIntoTheBundle) {
  const auto dir = std::filesystem::temp_directory_path() / ("gpucert-oci-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto config = config_for(oci_environment({"1"}));
  ASSERT_TRUE(runtime::write_oci_config(dir.string(), config).ok());
  std::ifstream in(dir / "config.json");
  EXPECT_EQ(json::parse(in), config);
  EXPECT_FALSE(std::filesystem::exists(dir / "config.json.tmp"));
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(runtime::write_oci_config((dir / "missing").string(), config).ok());
}

}  // namespace
}  // namespace gpucert

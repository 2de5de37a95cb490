// Starting a worker in an environment (runtime/environment_worker.hpp): the image's Env read from
// image-config.json beside an oci root filesystem and put under the worker's variables in config.json,
// a host without the GPU tolerated only when asked, and nothing left behind when the start fails.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "runtime/environment_worker.hpp"
#include "runtime/oci_config.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using runtime::Environment;
using runtime::HostFacts;
using runtime::RuntimeKind;

using testing_helpers::TempDir;

HostFacts one_gpu_host() {
  HostFacts facts;
  runtime::DeviceNode gpu;
  gpu.path = "/dev/nvidia0";
  gpu.major = 195;
  facts.gpus = {{0, "GPU-aaaaaaaa-1111-2222-3333-444444444444", "0000:18:00.0", gpu}};
  runtime::DeviceNode ctl = gpu, uvm = gpu;
  ctl.path = "/dev/nvidiactl";
  ctl.minor = 255;
  uvm.path = "/dev/nvidia-uvm";
  uvm.major = 508;
  facts.control_nodes = {ctl, uvm};
  facts.driver_libraries = {"/usr/lib/x86_64-linux-gnu/libcuda.so.1"};
  return facts;
}

Environment oci_env(const std::string& rootfs) {
  Environment env;
  env.kind = RuntimeKind::Oci;
  env.image = rootfs;
  env.gpus = {"0"};
  env.worker_host_path = "/opt/gpucert/bin/gpucert-worker";
  env.name = "gpucert-unit";
  return env;
}

std::vector<std::string> env_of(const json& config) { return config["process"]["env"].get<std::vector<std::string>>(); }

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST(ImageEnv, FromAnOciImageConfig) {
  auto env = runtime::image_env_from_config(json::parse(
      R"({"architecture":"amd64","config":{"Env":["PATH=/usr/local/cuda/bin:/usr/bin","CUDA_VERSION=13.0.1","EMPTY=","A=b=c"]}})"));
  ASSERT_TRUE(env.ok()) << env.error().message;
  EXPECT_EQ(env->at("PATH"), "/usr/local/cuda/bin:/usr/bin");
  EXPECT_EQ(env->at("CUDA_VERSION"), "13.0.1");
  EXPECT_EQ(env->at("EMPTY"), "");
  EXPECT_EQ(env->at("A"), "b=c");
  // The bare config object (as `podman image inspect --format '{{json .Config}}'` writes it) reads the same.
  auto bare = runtime::image_env_from_config(json::parse(R"({"Env":["X=1"]})"));
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->at("X"), "1");
  auto none = runtime::image_env_from_config(json::parse(R"({"config":{"Env":null}})"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(ImageEnv, MalformedEntriesAreRefused) {
  EXPECT_FALSE(runtime::image_env_from_config(json::parse(R"({"config":{"Env":["NOEQUALS"]}})")).ok());
  EXPECT_FALSE(runtime::image_env_from_config(json::parse(R"({"config":{"Env":["=value"]}})")).ok());
  EXPECT_FALSE(runtime::image_env_from_config(json::parse(R"({"config":{"Env":[5]}})")).ok());
  EXPECT_FALSE(runtime::image_env_from_config(json::parse(R"({"config":{"Env":"PATH=/bin"}})")).ok());
  EXPECT_FALSE(runtime::image_env_from_config(json::parse("[1]")).ok());
}

TEST(ImageEnv, ReadFromBesideTheRootFilesystem) {
  TempDir dir;
  fs::create_directories(dir.path / "rootfs");
  auto absent = runtime::read_image_env(dir.path / "rootfs");
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(absent->empty());
  std::ofstream(dir.path / "image-config.json") << R"({"config":{"Env":["CUDA_VERSION=13.0"]}})";
  for (const auto& rootfs : {(dir.path / "rootfs").string(), (dir.path / "rootfs").string() + "/"}) {
    auto env = runtime::read_image_env(rootfs);
    ASSERT_TRUE(env.ok()) << env.error().message;
    EXPECT_EQ(env->at("CUDA_VERSION"), "13.0") << rootfs;
  }
  std::ofstream(dir.path / "image-config.json") << "not json";
  auto broken = runtime::read_image_env(dir.path / "rootfs");
  ASSERT_FALSE(broken.ok());
  EXPECT_HAS(broken.error().message, "image-config.json");
}

TEST(OciImageEnv, TheImageEnvComesFirstAndTheLauncherWins) {
  auto env = oci_env("/srv/rootfs");
  env.extra_env["CUDA_VERSION"] = "from-the-caller";
  runtime::OciOptions options;
  options.image_env = {{"PATH", "/usr/local/cuda/bin:/usr/bin:/bin"},
                       {"LD_LIBRARY_PATH", "/usr/local/cuda/lib64"},
                       {"CUDA_VERSION", "13.0.1"},
                       {"NVIDIA_DRIVER_CAPABILITIES", "compute,utility"},
                       {"NVIDIA_VISIBLE_DEVICES", "all"},
                       {"NCCL_NVLS_ENABLE", "1"}};
  auto config = runtime::oci_config(env, one_gpu_host(), options);
  ASSERT_TRUE(config.ok()) << config.error().describe();
  const auto vars = env_of(*config);
  EXPECT_TRUE(contains(vars, "PATH=/usr/local/cuda/bin:/usr/bin:/bin")) << "the image's PATH is kept";
  EXPECT_TRUE(contains(vars, "LD_LIBRARY_PATH=/usr/local/cuda/lib64")) << "the image's, with nothing of gpucert's";
  EXPECT_TRUE(contains(vars, "NVIDIA_DRIVER_CAPABILITIES=compute,utility"));
  EXPECT_TRUE(contains(vars, "CUDA_VERSION=from-the-caller"));
  EXPECT_TRUE(contains(vars, "NVIDIA_VISIBLE_DEVICES=0")) << "the GPUs given, not the image's 'all'";
  EXPECT_TRUE(contains(vars, "NCCL_NVLS_ENABLE=0")) << "multicast stays off whatever the image says";
  EXPECT_EQ(std::count_if(vars.begin(), vars.end(), [](const std::string& v) { return v.rfind("PATH=", 0) == 0; }), 1);
}

TEST(OciImageEnv, WithoutImageEnvOnlyTheDefaults) {
  auto config = runtime::oci_config(oci_env("/srv/rootfs"), one_gpu_host());
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(contains(env_of(*config), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  for (const auto& v : env_of(*config)) EXPECT_NE(v.rfind("LD_LIBRARY_PATH=", 0), 0u) << v;
}

TEST(OciImageEnv, BadNamesAreRefused) {
  runtime::OciOptions options;
  options.image_env = {{"A=B", "c"}};
  EXPECT_FALSE(runtime::oci_config(oci_env("/srv/rootfs"), one_gpu_host(), options).ok());
}

TEST(OciGpuOptional, AHostWithoutTheGpuIsRefusedUnlessAsked) {
  const HostFacts none;
  auto refused = runtime::oci_config(oci_env("/srv/rootfs"), none);
  ASSERT_FALSE(refused.ok());
  runtime::OciOptions options;
  options.gpu_optional = true;
  auto config = runtime::oci_config(oci_env("/srv/rootfs"), none, options);
  ASSERT_TRUE(config.ok()) << config.error().describe();
  EXPECT_TRUE((*config)["linux"]["devices"].empty());
  EXPECT_TRUE(contains(env_of(*config), "NVIDIA_VISIBLE_DEVICES=0"));
  // A GPU the host has is still injected.
  auto partial = runtime::oci_config(oci_env("/srv/rootfs"), one_gpu_host(), options);
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ((*partial)["linux"]["devices"].size(), 3u);
}

TEST(StartEnvironmentWorker, AFailedStartLeavesNoBundle) {
  TempDir dir;
  fs::create_directories(dir.path / "rootfs");
  std::ofstream(dir.path / "image-config.json") << R"({"config":{"Env":["CUDA_VERSION=13.0"]}})";
  runtime::RuntimeOptions options;
  options.oci.program = (dir.path / "no-such-runc").string();
  runtime::StartOptions start;
  start.host_facts = one_gpu_host();
  const auto scratch = dir.path / "scratch";
  auto worker = runtime::start_environment_worker(oci_env((dir.path / "rootfs").string()), options, scratch, start);
  ASSERT_FALSE(worker.ok());
  EXPECT_HAS(worker.error().message, "no-such-runc");
  EXPECT_TRUE(fs::is_empty(scratch)) << "the bundle folder was removed";
}

TEST(StartEnvironmentWorker, RefusesWhatIsNotARootFilesystem) {
  TempDir dir;
  runtime::StartOptions start;
  start.host_facts = one_gpu_host();
  auto worker = runtime::start_environment_worker(oci_env((dir.path / "missing").string()), {}, dir.path, start);
  ASSERT_FALSE(worker.ok());
  EXPECT_HAS(worker.error().message, "not a root filesystem folder");
  auto relative = runtime::start_environment_worker(oci_env("rootfs"), {}, dir.path, start);
  ASSERT_FALSE(relative.ok());
  EXPECT_HAS(relative.error().message, "absolute path");
}

TEST(StartEnvironmentWorker, AStartedWorkerWritesItsBundleAndStopRemovesIt) {
  // `true` stands in for runc: it starts (and ends at once), so the client exists and stop() cleans up.
  TempDir dir;
  fs::create_directories(dir.path / "rootfs");
  std::ofstream(dir.path / "image-config.json") << R"({"config":{"Env":["CUDA_VERSION=13.0"]}})";
  runtime::RuntimeOptions options;
  options.oci.program = "true";
  runtime::StartOptions start;
  start.host_facts = one_gpu_host();
  auto worker =
      runtime::start_environment_worker(oci_env((dir.path / "rootfs").string()), options, dir.path / "s", start);
  ASSERT_TRUE(worker.ok()) << worker.error().describe();
  const auto bundle = worker->bundle_dir();
  ASSERT_TRUE(fs::exists(bundle / "config.json"));
  std::ifstream in(bundle / "config.json");
  const auto config = json::parse(in);
  EXPECT_TRUE(contains(env_of(config), "CUDA_VERSION=13.0")) << "image-config.json's Env reached config.json";
  EXPECT_EQ(worker->options().oci.bundle_dir, bundle.string());
  worker->stop();
  EXPECT_FALSE(fs::exists(bundle));
}

}  // namespace
}  // namespace gpucert

// `gpucert cdi`'s spec as a pure function of the host's facts: one device per GPU by index and by UUID,
// the control nodes and read-only driver libraries common to all, in the CDI format podman reads.
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/cdi.hpp"
#include "runtime/oci_config.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

using nlohmann::json;
using runtime::DeviceNode;
using runtime::HostFacts;

DeviceNode node(const std::string& path, long long major, long long minor) {
  DeviceNode n;
  n.path = path;
  n.major = major;
  n.minor = minor;
  return n;
}

HostFacts two_gpu_host() {
  HostFacts facts;
  facts.gpus = {{0, "GPU-aaaaaaaa-1111-2222-3333-444444444444", "0000:18:00.0", node("/dev/nvidia0", 195, 0)},
                {1, "GPU-bbbbbbbb-1111-2222-3333-444444444444", "0000:2a:00.0", node("/dev/nvidia1", 195, 1)}};
  facts.control_nodes = {node("/dev/nvidiactl", 195, 255), node("/dev/nvidia-uvm", 508, 0),
                         node("/dev/nvidia-uvm-tools", 508, 1)};
  facts.driver_libraries = {"/usr/local/nvidia/lib64/libcuda.so.1", "/usr/local/nvidia/lib64/libnvidia-ml.so.1"};
  return facts;
}

json spec_for(const HostFacts& facts, const runtime::CdiOptions& options = {}) {
  auto spec = runtime::cdi_spec(facts, options);
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().describe());
  return spec.ok() ? *spec : json::object();
}

const json* device_named(const json& spec, const std::string& name) {
  for (const auto& d : spec["devices"])
    if (d["name"] == name) return &d;
  return nullptr;
}

std::vector<std::string> node_paths(const json& edits) {
  std::vector<std::string> paths;
  for (const auto& n : edits["deviceNodes"]) paths.push_back(n["path"]);
  return paths;
}

TEST(CdiSpec, VersionAndKind) {
  auto spec = spec_for(two_gpu_host());
  EXPECT_EQ(spec["cdiVersion"], "0.5.0");
  EXPECT_EQ(spec["kind"], "nvidia.com/gpu");
}

TEST(CdiSpec, EachGpuByIndexAndByUuidHoldsOnlyItsNode) {
  auto spec = spec_for(two_gpu_host());
  for (const auto* name : {"1", "GPU-bbbbbbbb-1111-2222-3333-444444444444"}) {
    const auto* device = device_named(spec, name);
    ASSERT_NE(device, nullptr) << name;
    EXPECT_EQ(node_paths((*device)["containerEdits"]), std::vector<std::string>{"/dev/nvidia1"}) << name;
    EXPECT_EQ((*device)["containerEdits"]["deviceNodes"][0]["permissions"], "rw");
  }
  ASSERT_NE(device_named(spec, "0"), nullptr);
  EXPECT_EQ(node_paths((*device_named(spec, "all"))["containerEdits"]),
            (std::vector<std::string>{"/dev/nvidia0", "/dev/nvidia1"}));
  EXPECT_EQ(spec["devices"].size(), 5u);
}

TEST(CdiSpec, DeviceNamesFollowTheCdiNameRule) {
  auto spec = spec_for(two_gpu_host());
  for (const auto& d : spec["devices"]) {
    const std::string name = d["name"];
    ASSERT_FALSE(name.empty());
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(name.front())) &&
                std::isalnum(static_cast<unsigned char>(name.back())))
        << name;
    for (char c : name)
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':') << name;
  }
}

TEST(CdiSpec, CommonEditsAsNvidiaCtkWritesThem) {
  auto facts = two_gpu_host();
  facts.driver_release = "580.95.05";
  runtime::CdiOptions options;
  options.hook_program = "/opt/gpucert/bin/gpucert";
  auto spec = spec_for(facts, options);
  const auto& edits = spec["containerEdits"];
  EXPECT_EQ(node_paths(edits),
            (std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"}));
  // Every library at its host path, libcuda.so beside libcuda.so.1 (nvidia-ctk's create-symlinks).
  ASSERT_EQ(edits["mounts"].size(), 3u);
  EXPECT_EQ(edits["mounts"][0], (json{{"hostPath", "/usr/local/nvidia/lib64/libcuda.so.1"},
                                      {"containerPath", "/usr/local/nvidia/lib64/libcuda.so.1"},
                                      {"options", {"ro", "nosuid", "nodev", "bind"}}}));
  EXPECT_EQ(edits["mounts"][1]["containerPath"], "/usr/local/nvidia/lib64/libcuda.so");
  EXPECT_EQ(edits["env"],
            json::array({"NVIDIA_CTK_LIBCUDA_DIR=/usr/local/nvidia/lib64", "NVIDIA_VISIBLE_DEVICES=void"}));
  ASSERT_EQ(edits["hooks"].size(), 2u);
  EXPECT_EQ(edits["hooks"][0]["hookName"], "createContainer");
  EXPECT_EQ(edits["hooks"][0]["args"], json::array({"/opt/gpucert/bin/gpucert", "cdi", "hook", "enable-cuda-compat",
                                                    "--host-driver-version=580.95.05"}));
  EXPECT_EQ(edits["hooks"][1]["args"], json::array({"/opt/gpucert/bin/gpucert", "cdi", "hook", "update-ldcache",
                                                    "--folder", "/usr/local/nvidia/lib64"}));
  EXPECT_FALSE(spec_for(two_gpu_host())["containerEdits"].contains("hooks"));  // no hook program: none
}

// The podman/CDI path and the oci runtime under CDI inject the same nodes and the same library binds.
TEST(CdiSpec, SameInjectionAsTheOciRuntimeUnderCdi) {
  auto facts = two_gpu_host();
  auto spec = spec_for(facts);
  runtime::Environment env;
  env.kind = runtime::RuntimeKind::Oci;
  env.image = "/srv/rootfs";
  env.name = "t";
  env.gpus = {"1"};
  runtime::OciOptions oci;
  oci.injection = runtime::InjectionMode::Cdi;
  auto config = runtime::oci_config(env, facts, oci);
  ASSERT_TRUE(config.ok()) << config.error().describe();
  std::set<std::pair<std::string, std::string>> from_cdi, from_oci;
  for (const auto& m : spec["containerEdits"]["mounts"])
    from_cdi.insert({m["hostPath"].get<std::string>(), m["containerPath"].get<std::string>()});
  for (const auto& m : (*config)["mounts"])
    if (m["type"] == "bind" && m["destination"] != "/dev/shm" && m["destination"] != env.worker_container_path)
      from_oci.insert({m["source"].get<std::string>(), m["destination"].get<std::string>()});
  EXPECT_EQ(from_cdi, from_oci);
  std::vector<std::string> cdi_nodes = node_paths((*device_named(spec, "1"))["containerEdits"]);
  for (const auto& p : node_paths(spec["containerEdits"])) cdi_nodes.push_back(p);
  std::vector<std::string> oci_nodes;
  for (const auto& d : (*config)["linux"]["devices"]) oci_nodes.push_back(d["path"].get<std::string>());
  EXPECT_EQ(cdi_nodes, oci_nodes);
}

TEST(CdiSpec, NodesAreNamedByPathSoADriverReloadDoesNotStaleThem) {
  auto spec = spec_for(two_gpu_host());
  for (const auto& n : spec["containerEdits"]["deviceNodes"]) {
    EXPECT_FALSE(n.contains("major")) << n.dump();
    EXPECT_FALSE(n.contains("minor")) << n.dump();
  }
}

TEST(CdiSpec, NodesKeptElsewhereOnTheHostNameTheirHostPath) {
  auto facts = two_gpu_host();
  facts.gpus[0].node.host_path = "/run/nvidia/driver/dev/nvidia0";
  auto spec = spec_for(facts);
  const auto& gpu0 = (*device_named(spec, "0"))["containerEdits"]["deviceNodes"][0];
  EXPECT_EQ(gpu0["path"], "/dev/nvidia0");
  EXPECT_EQ(gpu0["hostPath"], "/run/nvidia/driver/dev/nvidia0");
  EXPECT_FALSE((*device_named(spec, "1"))["containerEdits"]["deviceNodes"][0].contains("hostPath"));
}

TEST(CdiSpec, KindAndHookProgramAreOptions) {
  runtime::CdiOptions options;
  options.kind = "gpucert.test/gpu";
  auto spec = spec_for(two_gpu_host(), options);
  EXPECT_EQ(spec["kind"], "gpucert.test/gpu");
  options.kind = "gpu";
  const auto bad = runtime::cdi_spec(two_gpu_host(), options);
  ASSERT_FALSE(bad.ok());
  EXPECT_HAS(bad.error().message, "vendor.com/class");
  options.kind = "nvidia.com/gpu";
  options.hook_program = "gpucert";
  EXPECT_FALSE(runtime::cdi_spec(two_gpu_host(), options).ok());
}

TEST(CdiSpec, HostsWithoutGpuOrDriverAreRefusedWithTheReason) {
  auto facts = two_gpu_host();
  facts.gpus.clear();
  auto spec = runtime::cdi_spec(facts);
  ASSERT_FALSE(spec.ok());
  EXPECT_HAS(spec.error().message, "no NVIDIA GPU device node");

  facts = two_gpu_host();
  facts.control_nodes.erase(facts.control_nodes.begin());
  spec = runtime::cdi_spec(facts);
  ASSERT_FALSE(spec.ok());
  EXPECT_HAS(spec.error().message, "/dev/nvidiactl is missing");

  facts = two_gpu_host();
  facts.driver_libraries.clear();
  spec = runtime::cdi_spec(facts);
  ASSERT_FALSE(spec.ok());
  EXPECT_HAS(spec.error().message, "ldconfig -p | grep libcuda");
}

}  // namespace
}  // namespace gpucert

// `gpucert cdi`'s spec as a pure function of the host's facts: one device per GPU by index and by UUID,
// the control nodes and read-only driver libraries common to all, in the CDI format podman reads.
#include <cctype>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/cdi.hpp"
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
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(name.front())) && std::isalnum(static_cast<unsigned char>(name.back())))
        << name;
    for (char c : name)
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':') << name;
  }
}

TEST(CdiSpec, CommonEditsAreControlNodesAndReadOnlyDriverLibraries) {
  auto spec = spec_for(two_gpu_host());
  const auto& edits = spec["containerEdits"];
  EXPECT_EQ(node_paths(edits), (std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"}));
  ASSERT_EQ(edits["mounts"].size(), 2u);
  EXPECT_EQ(edits["mounts"][0], (json{{"hostPath", "/usr/local/nvidia/lib64/libcuda.so.1"},
                                       {"containerPath", "/usr/local/nvidia/lib64/libcuda.so.1"},
                                       {"options", {"ro", "nosuid", "nodev", "bind"}}}));
  // No variables (NVIDIA_VISIBLE_DEVICES=void would make `gpucert doctor` blame it) and no hooks to run.
  EXPECT_FALSE(edits.contains("env"));
  EXPECT_FALSE(edits.contains("hooks"));
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

TEST(CdiSpec, KindAndDriverFolderAreOptions) {
  runtime::CdiOptions options;
  options.kind = "gpucert.test/gpu";
  options.driver_dir = "/usr/lib/x86_64-linux-gnu";
  auto spec = spec_for(two_gpu_host(), options);
  EXPECT_EQ(spec["kind"], "gpucert.test/gpu");
  EXPECT_EQ(spec["containerEdits"]["mounts"][1]["containerPath"], "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1");
  options.kind = "gpu";
  const auto bad = runtime::cdi_spec(two_gpu_host(), options);
  ASSERT_FALSE(bad.ok());
  EXPECT_HAS(bad.error().message, "vendor.com/class");
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

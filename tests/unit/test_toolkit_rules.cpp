// The container toolkit's decisions, table by table: visible devices, capabilities, requirements and their
// wording, forward compatibility, library placement (docs/CONTAINERS.md gives the sources).
#include <gtest/gtest.h>

#include "core/toolkit_rules.hpp"

namespace gpucert::toolkit {
namespace {

struct DevicesCase {
  Env env;
  DeviceSelection selection;
  std::string shown;
};

TEST(ToolkitRules, VisibleDevices) {
  const DevicesCase cases[] = {
      {{}, DeviceSelection::Void, "void"},  // unset, not legacy: nothing
      {{{"CUDA_VERSION", "13.0.1"}, {"NVIDIA_REQUIRE_CUDA", "cuda>=13.0"}}, DeviceSelection::Void, "void"},
      {{{"CUDA_VERSION", "10.0.130"}}, DeviceSelection::All, "all"},  // legacy image, unset: all
      {{{"CUDA_VERSION", "10.0.130"}, {"NVIDIA_VISIBLE_DEVICES", ""}}, DeviceSelection::Void, "void"},
      {{{"NVIDIA_VISIBLE_DEVICES", ""}}, DeviceSelection::Void, "void"},
      {{{"NVIDIA_VISIBLE_DEVICES", " , "}}, DeviceSelection::Void, "void"},
      {{{"NVIDIA_VISIBLE_DEVICES", "void"}}, DeviceSelection::Void, "void"},
      {{{"NVIDIA_VISIBLE_DEVICES", "0,void"}}, DeviceSelection::Void, "void"},
      {{{"NVIDIA_VISIBLE_DEVICES", "none"}}, DeviceSelection::None, "none"},
      {{{"NVIDIA_VISIBLE_DEVICES", "all"}}, DeviceSelection::All, "all"},
      {{{"NVIDIA_VISIBLE_DEVICES", "1,all"}}, DeviceSelection::All, "all"},
      {{{"NVIDIA_VISIBLE_DEVICES", " 1, 0 ,1"}}, DeviceSelection::List, "1,0"},
      {{{"NVIDIA_VISIBLE_DEVICES", "GPU-aaaa,2"}}, DeviceSelection::List, "GPU-aaaa,2"},
  };
  for (const auto& c : cases) {
    const auto d = visible_devices(c.env);
    EXPECT_EQ(d.selection, c.selection) << d.why;
    EXPECT_EQ(describe(d), c.shown) << d.why;
    EXPECT_FALSE(d.why.empty());
  }
}

TEST(ToolkitRules, DockerGpusWinOverTheImage) {
  const Env image = {{"NVIDIA_VISIBLE_DEVICES", "void"}, {"NVIDIA_DRIVER_CAPABILITIES", "utility"}};
  const auto env = with_docker_gpus(image, {"0", "1"});
  EXPECT_EQ(describe(visible_devices(env)), "0,1");
  EXPECT_EQ(env.at("NVIDIA_DRIVER_CAPABILITIES"), "utility");  // --gpus leaves the capabilities to the image
  EXPECT_EQ(describe(visible_devices(with_docker_gpus(image, {"all"}))), "all");
  EXPECT_EQ(describe(visible_devices(with_docker_gpus(image, {}))), "void");  // no --gpus: the image decides
}

TEST(ToolkitRules, DriverCapabilities) {
  struct Case {
    Env env;
    std::string expected;  // capabilities_text, or the error's text
    bool ok;
  };
  const Case cases[] = {
      {{}, "compute,utility", true},
      {{{"NVIDIA_DRIVER_CAPABILITIES", ""}}, "compute,utility", true},
      {{{"CUDA_VERSION", "9.0"}}, "all", true},  // legacy image, unset: every capability
      {{{"CUDA_VERSION", "9.0"}, {"NVIDIA_DRIVER_CAPABILITIES", "utility"}}, "utility", true},
      {{{"NVIDIA_DRIVER_CAPABILITIES", "utility"}}, "utility", true},
      {{{"NVIDIA_DRIVER_CAPABILITIES", "compute, video"}}, "compute,video", true},
      {{{"NVIDIA_DRIVER_CAPABILITIES", "all"}}, "all", true},
      {{{"NVIDIA_DRIVER_CAPABILITIES", "compute,all"}}, "all", true},
      {{{"NVIDIA_DRIVER_CAPABILITIES", "compute,cuda"}},
       "unsupported capabilities found in 'compute,cuda' (allowed 'compute')",
       false},
      {{{"NVIDIA_DRIVER_CAPABILITIES", "none"}}, "unsupported capabilities found in 'none' (allowed '')", false},
  };
  for (const auto& c : cases) {
    const auto caps = driver_capabilities(c.env);
    ASSERT_EQ(caps.ok(), c.ok) << c.expected;
    EXPECT_EQ(c.ok ? capabilities_text(*caps) : caps.error().message, c.expected);
  }
}

TEST(ToolkitRules, LibrariesAndProgramsPerCapability) {
  EXPECT_TRUE(library_of("libcuda.so.580.95.05", kCompute));
  EXPECT_TRUE(library_of("libcuda.so.1", kCompute));
  EXPECT_FALSE(library_of("libcuda.so.1", kUtility));
  EXPECT_TRUE(library_of("libnvidia-ml.so.1", kUtility));
  EXPECT_FALSE(library_of("libnvidia-ml.so.1", kCompute));
  EXPECT_FALSE(library_of("libcudart.so.13", kAllCapabilities));  // the toolkit's, never the driver's
  EXPECT_FALSE(library_of("libcudadebugger.so.1", kUtility));
  EXPECT_TRUE(library_of("libnvcuvid.so.1", kVideo));
  EXPECT_TRUE(library_of("libGLX_nvidia.so.0", kGraphics));
  EXPECT_TRUE(library_of("libGLX_nvidia.so.0", kDisplay));
  EXPECT_TRUE(library_of("libnvidia-ngx.so.1", kNgx));
  EXPECT_FALSE(library_of("libnvidia-ngx.so.1", kCompute | kUtility));
  const auto programs = capability_programs(kUtility);
  EXPECT_NE(std::find(programs.begin(), programs.end(), "nvidia-smi"), programs.end());
  EXPECT_TRUE(capability_programs(kVideo).empty());
  const auto compute_programs = capability_programs(kCompute);
  EXPECT_NE(std::find(compute_programs.begin(), compute_programs.end(), "nvidia-cuda-mps-control"),
            compute_programs.end());
}

TEST(ToolkitRules, Requirements) {
  const Env ubuntu_cuda12 = {
      {"CUDA_VERSION", "12.4.1"},
      {"NVIDIA_REQUIRE_CUDA", "cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=tesla,driver>=535,driver<536"}};
  auto r = requirements(ubuntu_cuda12);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);

  // The driver supports 12.2: the second alternative (a 535 Tesla) holds, so the image runs (minor-version
  // compatibility, as NVIDIA's images declare it).
  const HostDriver r535 = {"535.183.01", "12.2"};
  EXPECT_TRUE(check_requirements(ubuntu_cuda12, r535, {{"9.0", "Tesla"}}).ok());
  // The same driver on a GeForce card: no alternative holds; the toolkit names the first alternative.
  auto s = check_requirements(ubuntu_cuda12, r535, {{"8.6", "GeForce"}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message,
            "requirement error: unsatisfied condition: cuda>=12.4, please update your driver to a newer version, or "
            "use an earlier cuda container");
  // Without GPU facts (a CPU builder), brand holds, as the toolkit does with no visible device.
  EXPECT_TRUE(check_requirements(ubuntu_cuda12, r535, {}).ok());
  EXPECT_TRUE(check_requirements(ubuntu_cuda12, {"580.95.05", "13.0"}, {{"9.0", "Nvidia"}}).ok());

  EXPECT_TRUE(check_requirements({{"NVIDIA_REQUIRE_CUDA", "cuda>=13.0"}}, {"575.57.08", "12.9"}, {})
                  .error()
                  .message.find("unsatisfied condition: cuda>=13.0") != std::string::npos);
  // NVIDIA_DISABLE_REQUIRE as Go's ParseBool reads it.
  EXPECT_TRUE(check_requirements({{"NVIDIA_REQUIRE_CUDA", "cuda>=13.0"}, {"NVIDIA_DISABLE_REQUIRE", "true"}},
                                 {"575.57.08", "12.9"}, {})
                  .ok());
  EXPECT_TRUE(check_requirements({{"NVIDIA_REQUIRE_CUDA", "cuda>=13.0"}, {"NVIDIA_DISABLE_REQUIRE", "1"}},
                                 {"575.57.08", "12.9"}, {})
                  .ok());
  EXPECT_FALSE(check_requirements({{"NVIDIA_REQUIRE_CUDA", "cuda>=13.0"}, {"NVIDIA_DISABLE_REQUIRE", "yes"}},
                                  {"575.57.08", "12.9"}, {})
                   .ok());
  // Any NVIDIA_REQUIRE_* counts, and its failure names it without the driver advice.
  s = check_requirements({{"NVIDIA_REQUIRE_ARCH", "arch>=9.0"}}, {"580.95.05", "13.0"}, {{"8.0", ""}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "requirement error: unsatisfied condition: arch>=9.0");
  EXPECT_TRUE(check_requirements({{"NVIDIA_REQUIRE_JETPACK", "csv-mounts=all"}}, {"580.95.05", "13.0"}, {}).ok());
  // A legacy image gets cuda>=MAJOR.MINOR of CUDA_VERSION.
  r = requirements({{"CUDA_VERSION", "12.8.1"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, std::vector<std::string>{"cuda>=12.8"});
  EXPECT_FALSE(check_requirements({{"CUDA_VERSION", "12.8.1"}}, {"560.35.03", "12.6"}, {}).ok());
  EXPECT_FALSE(requirements({{"CUDA_VERSION", "twelve"}}).ok());
  // Expressions the toolkit does not understand.
  EXPECT_EQ(check_requirement("cuda=>12.0", {"580.95.05", "13.0"}, {}).error().message, "invalid expression");
  EXPECT_EQ(check_requirement("memory>=8", {"580.95.05", "13.0"}, {}).error().message, "invalid expression");
  EXPECT_TRUE(check_requirement("driver!=470", {"580.95.05", "13.0"}, {}).ok());
  // An unknown host driver satisfies its rules, as libnvidia-container treats a missing version.
  EXPECT_TRUE(check_requirement("cuda>=99.0", {}, {}).ok());
}

TEST(ToolkitRules, VersionsAndDriverBranches) {
  EXPECT_EQ(compare_versions("12.10", "12.9"), 1);
  EXPECT_EQ(compare_versions("12.0", "12"), 0);
  EXPECT_EQ(compare_versions("580.95.05", "580.159.04"), -1);
  EXPECT_FALSE(compare_versions("12.x", "12").has_value());
  EXPECT_EQ(cuda_version_of_driver("580.95.05"), "13.0");
  EXPECT_EQ(cuda_version_of_driver("535.183.01"), "12.2");
  EXPECT_EQ(cuda_version_of_driver("999.1"), "");
  EXPECT_EQ(release_of_library("libcuda.so.580.95.05"), "580.95.05");
  EXPECT_EQ(release_of_library("libcuda.so.1"), "");
}

TEST(ToolkitRules, ForwardCompatibility) {
  EXPECT_TRUE(cuda_compat("libcuda.so.580.65.06", "535.183.01").use);
  EXPECT_FALSE(cuda_compat("libcuda.so.580.65.06", "580.95.05").use);  // same major: the host's
  EXPECT_FALSE(cuda_compat("libcuda.so.575.57.08", "580.95.05").use);  // older: the host's
  EXPECT_FALSE(cuda_compat("libcuda.so.1", "535.183.01").use);
  EXPECT_FALSE(cuda_compat("libcuda.so.580.65.06", "").use);
}

TEST(ToolkitRules, LegacyLibraryFolder) {
  EXPECT_EQ(legacy_library_dir(true, "x86_64"), "/usr/lib/x86_64-linux-gnu");
  EXPECT_EQ(legacy_library_dir(true, "aarch64"), "/usr/lib/aarch64-linux-gnu");
  EXPECT_EQ(legacy_library_dir(false, "x86_64"), "/usr/lib64");
}

}  // namespace
}  // namespace gpucert::toolkit

// The physical limit of copies between two GPUs (harness/worker/nvml/peer_link.hpp), against the fake
// libnvidia-ml's two GPUs: joined through NVSwitches, directly by NVLink, or by PCIe alone.
#include <cstdlib>

#include <gtest/gtest.h>

#include "core/health_checks.hpp"
#include "peer_link.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

struct Scenario {
  explicit Scenario(const char* name) { setenv("FAKE_NVML_SCENARIO", name, 1); }
  ~Scenario() { unsetenv("FAKE_NVML_SCENARIO"); }
};

nvml::PeerLink link_between(const char* a, const char* b) {
  auto lib = nvml::Library::open(GPUCERT_FAKE_NVML);
  EXPECT_TRUE(lib) << lib.error().describe();
  return lib ? nvml::peer_link(**lib, a, b) : nvml::PeerLink{};
}

TEST(PeerLink, GpusBehindNvSwitchesGetTheirLinksTimesTheGenerationsRate) {
  Scenario s("healthy");
  const auto link = link_between("0000:18:00.0", "0000:2A:00.0");
  EXPECT_EQ(link.kind, "nvswitch");
  EXPECT_EQ(link.links, 4);
  EXPECT_EQ(link.nvlink_version, 6u);
  EXPECT_DOUBLE_EQ(link.limit_gbps, 4 * 25.0);
  EXPECT_HAS(link.evidence, "4 active NVLink(s) to NVSwitch");
}

TEST(PeerLink, DirectLinksCountOnlyThoseThatReachThePeer) {
  Scenario s("nvlink-direct");
  const auto link = link_between("0000:2A:00.0", "0000:18:00.0");
  EXPECT_EQ(link.kind, "nvlink");
  EXPECT_EQ(link.links, 4);
  EXPECT_DOUBLE_EQ(link.limit_gbps, 100.0);
}

TEST(PeerLink, WithoutNvLinkTheNarrowerPcieLinkIsTheLimit) {
  Scenario s("pcie-only");
  const auto link = link_between("0000:18:00.0", "0000:2A:00.0");
  EXPECT_EQ(link.kind, "pcie");
  EXPECT_EQ(link.links, 0);
  EXPECT_DOUBLE_EQ(link.limit_gbps, pcie_link_gbps(5, 16));
  EXPECT_HAS(link.evidence, "gen 5 x16");
}

TEST(PeerLink, AnUnknownGpuSaysSoInsteadOfALimit) {
  Scenario s("healthy");
  const auto link = link_between("0000:18:00.0", "0000:99:00.0");
  EXPECT_EQ(link.kind, "");
  EXPECT_EQ(link.limit_gbps, 0);
  EXPECT_HAS(link.evidence, "nvmlDeviceGetHandleByPciBusId_v2");
}

TEST(PeerLink, NvLinkRatesFollowTheDriversVersionValues) {
  EXPECT_EQ(nvml::nvlink_gbps_per_link(1), 20);
  EXPECT_EQ(nvml::nvlink_gbps_per_link(4), 25);  // NVLink 3.0 (A100)
  EXPECT_EQ(nvml::nvlink_gbps_per_link(6), 25);  // NVLink 4.0 (H100)
  EXPECT_EQ(nvml::nvlink_gbps_per_link(7), 50);  // NVLink 5.0 (B200)
  EXPECT_EQ(nvml::nvlink_gbps_per_link(0), 0);
  EXPECT_EQ(nvml::nvlink_gbps_per_link(99), 0);
}

}  // namespace
}  // namespace gpucert

#include "peer_link.hpp"

#include <algorithm>
#include <vector>

#include "core/health_checks.hpp"

namespace gpucert::nvml {
namespace {

struct LinkEnds {
  int to_peer = 0, to_switch = 0;
  unsigned version = 0;
};

bool same_function(const PciInfo& a, const PciInfo& b) {
  return a.domain == b.domain && a.bus == b.bus && a.device == b.device;
}

LinkEnds count_links(const Library& lib, Device from, const PciInfo& peer) {
  const auto& a = lib.api();
  LinkEnds ends;
  for (unsigned link = 0; link < kNvLinkMaxLinks; ++link) {
    int active = 0;
    if (!lib.read(nullptr, "nvmlDeviceGetNvLinkState", a.nvlink_state, from, link, &active) || !active) continue;
    int type = -1;
    if (lib.read(nullptr, "nvmlDeviceGetNvLinkRemoteDeviceType", a.nvlink_remote_type, from, link, &type) &&
        type == kNvLinkDeviceSwitch) {
      ++ends.to_switch;
    } else {
      PciInfo remote{};
      if (!lib.read(nullptr, "nvmlDeviceGetNvLinkRemotePciInfo_v2", a.nvlink_remote_pci, from, link, &remote) ||
          !same_function(remote, peer))
        continue;
      ++ends.to_peer;
    }
    if (!ends.version) lib.read(nullptr, "nvmlDeviceGetNvLinkVersion", a.nvlink_version, from, link, &ends.version);
  }
  return ends;
}

double pcie_limit(const Library& lib, Device d, std::string* what) {
  const auto& a = lib.api();
  unsigned gen = 0, width = 0;
  std::vector<std::string> unread;
  if (!lib.read(&unread, "nvmlDeviceGetMaxPcieLinkGeneration", a.pcie_gen_max, d, &gen) ||
      !lib.read(&unread, "nvmlDeviceGetMaxPcieLinkWidth", a.pcie_width_max, d, &width)) {
    *what = unread.front();
    return 0;
  }
  *what = "gen " + std::to_string(gen) + " x" + std::to_string(width);
  return pcie_link_gbps(static_cast<int>(gen), static_cast<int>(width));
}

}  // namespace

double pcie_max_gbps(const Library& lib, const std::string& bus, std::string* what) {
  Device d = nullptr;
  std::vector<std::string> unread;
  if (!lib.read(&unread, "nvmlDeviceGetHandleByPciBusId_v2", lib.api().device_by_pci_bus_id, bus.c_str(), &d)) {
    *what = unread.front();
    return 0;
  }
  return pcie_limit(lib, d, what);
}

double nvlink_gbps_per_link(unsigned version) {
  if (version == 1) return 20;
  if (version >= 2 && version <= 6) return 25;
  if (version == 7) return 50;
  return 0;
}

PeerLink peer_link(const Library& lib, const std::string& bus_a, const std::string& bus_b) {
  const auto& a = lib.api();
  PeerLink out;
  Device da = nullptr, db = nullptr;
  std::vector<std::string> unread;
  if (!lib.read(&unread, "nvmlDeviceGetHandleByPciBusId_v2", a.device_by_pci_bus_id, bus_a.c_str(), &da) ||
      !lib.read(&unread, "nvmlDeviceGetHandleByPciBusId_v2", a.device_by_pci_bus_id, bus_b.c_str(), &db)) {
    out.evidence = unread.front();
    return out;
  }
  PciInfo pa{}, pb{};
  if (!lib.read(&unread, "nvmlDeviceGetPciInfo_v3", a.pci_info, da, &pa) ||
      !lib.read(&unread, "nvmlDeviceGetPciInfo_v3", a.pci_info, db, &pb)) {
    out.evidence = unread.front();
    return out;
  }
  const auto from_a = count_links(lib, da, pb), from_b = count_links(lib, db, pa);
  const unsigned version = from_a.version ? from_a.version : from_b.version;
  const double rate = nvlink_gbps_per_link(version);
  const auto version_text = " (nvmlDeviceGetNvLinkVersion " + std::to_string(version) + ")";
  if (from_a.to_peer > 0) {
    out.kind = "nvlink";
    out.links = from_a.to_peer;
  } else if (from_a.to_switch > 0 && from_b.to_switch > 0) {
    out.kind = "nvswitch";
    out.links = std::min(from_a.to_switch, from_b.to_switch);
  }
  if (!out.kind.empty()) {
    out.nvlink_version = version;
    out.limit_gbps = out.links * rate;
    out.evidence =
        std::to_string(out.links) + " active NVLink(s)" +
        (out.kind == "nvswitch" ? " to NVSwitch on the weaker side" : " between the two") + ", " +
        (rate > 0 ? std::to_string(static_cast<int>(rate)) + " GB/s per link and direction" : "an unknown rate") +
        version_text;
    return out;
  }
  std::string link_a, link_b;
  const double limit_a = pcie_limit(lib, da, &link_a), limit_b = pcie_limit(lib, db, &link_b);
  out.kind = "pcie";
  out.limit_gbps = std::min(limit_a, limit_b);
  out.evidence = out.limit_gbps > 0 ? "no NVLink between them: PCIe, the narrower of " + link_a + " and " + link_b
                                    : "no NVLink between them, and NVML did not give their PCIe links";
  return out;
}

}  // namespace gpucert::nvml

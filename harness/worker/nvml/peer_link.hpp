// What joins two GPUs of one host, as the driver describes it, and so the physical limit of a copy between them
// (kernels/peer_copy, docs/PERFORMANCE.md): the NVLinks from one to the other, directly or through NVSwitches, times
// the per-link rate of their generation; without NVLink, the narrower of the two GPUs' PCIe links.
#pragma once

#include <string>

#include "nvml_library.hpp"

namespace gpucert::nvml {

struct PeerLink {
  std::string kind;             // "nvlink" (direct), "nvswitch", "pcie"; "" when NVML could not tell
  int links = 0;                // NVLinks that carry the traffic (each GPU's to the switches: the fewer)
  unsigned nvlink_version = 0;  // nvmlDeviceGetNvLinkVersion's value for the first such link
  double limit_gbps = 0;        // one direction, GB/s (1e9 B/s); 0 when unknown
  std::string evidence;         // how the limit was found, or why it was not
};

// NVLink's data rate per link and direction in GB/s for nvmlDeviceGetNvLinkVersion's value (nvmlNvlinkVersion_t:
// 1 = 1.0, 2 = 2.0, 3 = 2.2, 4 = 3.0, 5 = 3.1, 6 = 4.0, 7 = 5.0): 20 for NVLink 1, 25 for 2 to 4, 50 for 5.
double nvlink_gbps_per_link(unsigned version);

// `bus_a` and `bus_b` as CUDA spells them (cudaDeviceGetPCIBusId: "0000:18:00.0").
PeerLink peer_link(const Library& lib, const std::string& bus_a, const std::string& bus_b);

// One direction of the GPU's PCIe link at its maximum generation and width, GB/s; 0 when NVML cannot say, with
// `what` saying why ("gen 5 x16" when it can).
double pcie_max_gbps(const Library& lib, const std::string& bus, std::string* what);

}  // namespace gpucert::nvml

// The physical limits of copies on this host, from the driver's description of its links (harness/worker/nvml/
// peer_link.hpp), for the copy workloads' fraction of peak. Kept apart from the CUDA code: NVML is a C++ module.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace gpucert::kernels {

struct LinkLimit {
  std::string kind;      // "nvlink", "nvswitch", "pcie", or "" when unknown
  double gbps = 0;       // one direction; 0 when unknown
  std::string evidence;  // how it was found, or why not
  nlohmann::json to_json() const;
};

// One direction between two GPUs; `bus_a`, `bus_b`: cudaDeviceGetPCIBusId's text.
LinkLimit link_limit(const std::string& bus_a, const std::string& bus_b);
// One direction between the host and a GPU: its PCIe link at the generation and width it allows.
LinkLimit host_link_limit(const std::string& bus);

}  // namespace gpucert::kernels

#include "link_limit.hpp"

#include "nvml_library.hpp"
#include "peer_link.hpp"

namespace gpucert::kernels {
namespace {

// NVML opened once per worker: dlopen, its entry points and nvmlInit cost far more than the reads, and peer_copy
// asks once for every pair of GPUs.
const Outcome<std::shared_ptr<nvml::Library>>& nvml_library() {
  static const auto library = nvml::Library::open();
  return library;
}

}  // namespace

nlohmann::json LinkLimit::to_json() const {
  return {{"link", kind}, {"limit_gbps", gbps}, {"link_evidence", evidence}};
}

LinkLimit link_limit(const std::string& bus_a, const std::string& bus_b) {
  const auto& lib = nvml_library();
  if (!lib) return {"", 0, "NVML: " + lib.error().describe()};
  const auto link = nvml::peer_link(**lib, bus_a, bus_b);
  return {link.kind, link.limit_gbps, link.evidence};
}

LinkLimit host_link_limit(const std::string& bus) {
  const auto& lib = nvml_library();
  if (!lib) return {"", 0, "NVML: " + lib.error().describe()};
  std::string what;
  const double gbps = nvml::pcie_max_gbps(**lib, bus, &what);
  return {"pcie", gbps, gbps > 0 ? "PCIe " + what + ", as the GPU and its slot allow" : what};
}

}  // namespace gpucert::kernels

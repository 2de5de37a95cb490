// host_copy: pinned host memory to and from the device, one cudaMemcpyAsync per run.
#include <string>

#include "core/bandwidth.hpp"
#include "core/workloads/workload_spec.hpp"

namespace gpucert {
namespace {

class HostCopySpec final : public WorkloadSpec {
 public:
  std::string_view name() const override { return "host_copy"; }
  std::string_view description() const override {
    return "host<->device copies from pinned memory (the path an IOMMU or a container setting can slow)";
  }
  std::string_view backend() const override { return "worker"; }
  // Copies between pinned host memory and this GPU alone: the pcie-link check holds them against its own link.
  bool judged_against_own_pcie_link() const override { return true; }
  nlohmann::json field_schema() const override {
    return nlohmann::json::parse(R"json({
    "directions": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ["h2d", "d2h"]}},
    "bytes": {"type": "integer", "minimum": 4096, "maximum": 17179869184, "description": "default 256 MiB"}
    })json");
  }

  // The kernel (host_copy.cu) allocates one device buffer of the whole 8-byte words of `bytes`, and
  // an 8-byte mismatch counter.
  std::optional<std::uint64_t> device_bytes(const nlohmann::json& params, int /*nranks*/) const override {
    const auto bytes = count_param(params, "bytes");
    if (!bytes) return std::nullopt;
    return *bytes / 8 * 8 + 8;
  }

  std::vector<Measurement> expand(Fields& item, int warmup, int repetitions) const override {
    auto directions = item.names("directions", false, {"h2d", "d2h"}, "direction");
    auto size = item.integer("bytes", false, 4096, 16 * kGiB, "bytes");
    if ((item.has("directions") && !directions) || (item.has("bytes") && !size)) return {};
    const auto bytes = static_cast<std::uint64_t>(size.value_or(256 * kMiB));
    std::vector<Measurement> out;
    for (const auto& direction : directions.value_or(std::vector<std::string>{"h2d", "d2h"})) {
      out.push_back(measurement("host_copy/" + direction + "/" + format_bytes(bytes),
                                {{"direction", direction}, {"bytes", bytes}}, warmup, repetitions, copy_bytes(bytes),
                                Metric::Bandwidth));
    }
    return out;
  }
};

}  // namespace

GPUCERT_WORKLOAD_SPEC(host_copy, HostCopySpec)

}  // namespace gpucert

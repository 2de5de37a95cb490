// host_copy_all: pinned host memory to and from all of a host's GPUs at once, beside each GPU alone.
#include <string>

#include "core/bandwidth.hpp"
#include "core/workloads/workload_spec.hpp"

namespace gpucert {
namespace {

class HostCopyAllSpec final : public WorkloadSpec {
 public:
  std::string_view name() const override { return "host_copy_all"; }
  std::string_view description() const override {
    return "host<->device copies to all of a host's GPUs at once, beside each GPU alone: the host's shared limit "
           "(root ports, PCIe switches, one socket's memory)";
  }
  std::string_view backend() const override { return "worker"; }
  nlohmann::json field_schema() const override {
    return nlohmann::json::parse(R"json({
    "directions": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ["h2d", "d2h"]}},
    "bytes": {"type": "integer", "minimum": 4096, "maximum": 17179869184, "description": "per GPU; default 256 MiB"}
    })json");
  }

  // The kernel (host_copy_all.cu) allocates on every GPU one buffer of the whole 8-byte words of `bytes` and an
  // 8-byte mismatch counter; its pinned host buffers are host memory.
  std::optional<std::uint64_t> device_bytes(const nlohmann::json& params, int /*nranks*/) const override {
    const auto bytes = count_param(params, "bytes");
    if (!bytes) return std::nullopt;
    return *bytes / 8 * 8 + 8;
  }

  ReportStyle report_style() const override {
    ReportStyle style;
    style.chart = ReportStyle::Chart::Bars;
    style.title = "Host copies to all GPUs at once: each GPU's share";
    style.caption =
        "Pinned host memory to and from every GPU of a host at once: the bar is each GPU's bandwidth while all copy "
        "(bytes over the time of the copies to all GPUs), median of the repetitions. Below the GPU's figure alone "
        "(details.alone), the host's shared path limits it. The report's fraction of peak divides it by the GPU's "
        "PCIe link at the generation and width it allows.";
    style.series = {"", 2};  // the size
    style.category = {"direction", 1, 2};
    style.limit = ReportStyle::Limit::Details;
    return style;
  }

  WorkloadSetup setup() const override { return WorkloadSetup::HostGpus; }

  std::vector<Measurement> expand(Fields& item, int warmup, int repetitions) const override {
    auto directions = item.names("directions", false, {"h2d", "d2h"}, "direction");
    auto size = item.integer("bytes", false, 4096, 16 * kGiB, "bytes");
    if ((item.has("directions") && !directions) || (item.has("bytes") && !size)) return {};
    const auto bytes = static_cast<std::uint64_t>(size.value_or(256 * kMiB)) / 8 * 8;
    std::vector<Measurement> out;
    for (const auto& direction : directions.value_or(std::vector<std::string>{"h2d", "d2h"})) {
      // The work is one GPU's: the figure is each GPU's share while all copy.
      out.push_back(measurement("host_copy_all/" + direction + "/" + format_bytes(bytes),
                                {{"direction", direction}, {"bytes", bytes}}, warmup, repetitions, copy_bytes(bytes),
                                Metric::Bandwidth));
    }
    return out;
  }
};

}  // namespace

GPUCERT_WORKLOAD_SPEC(host_copy_all, HostCopyAllSpec)

}  // namespace gpucert

// peer_copy: copies between every ordered pair of a host's GPUs, by copy engine and by SM, one or both directions.
#include <string>

#include "core/bandwidth.hpp"
#include "core/workloads/workload_spec.hpp"

namespace gpucert {
namespace {

// The fraction of the link's physical limit below which the slowest pair fails the performance floor.
constexpr double kPeerCopyLinkFraction = 0.70;

class PeerCopySpec final : public WorkloadSpec {
 public:
  std::string_view name() const override { return "peer_copy"; }
  std::string_view description() const override {
    return "GPU to GPU copies over NVLink or PCIe, every ordered pair of a host, copy engine and SM, one and both "
           "directions; the figure is the slowest pair's, against the link's physical limit";
  }
  std::string_view backend() const override { return "worker"; }
  nlohmann::json field_schema() const override {
    return nlohmann::json::parse(R"json({
    "engines": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ["ce", "sm"]},
                "description": "ce: cudaMemcpyPeerAsync on the copy engines; sm: a copy kernel writing into the peer; default both"},
    "directions": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ["uni", "bi"]},
                   "description": "uni: one direction at a time; bi: both directions of a pair at once; default both"},
    "bytes": {"type": "integer", "minimum": 4096, "maximum": 17179869184, "description": "per copy; default 256 MiB"}
    })json");
  }

  // The kernel (peer_copy.cu) allocates on every GPU of the host a seeded source and a target of `bytes` (whole
  // 16-byte vectors), and an 8-byte mismatch counter.
  std::optional<std::uint64_t> device_bytes(const nlohmann::json& params, int /*nranks*/) const override {
    const auto bytes = count_param(params, "bytes");
    if (!bytes) return std::nullopt;
    return saturating_sum({saturating_product({*bytes / 16 * 16, 2}), 8});
  }

  ReportStyle report_style() const override {
    ReportStyle style;
    style.chart = ReportStyle::Chart::Bars;
    style.title = "GPU to GPU copies: the slowest pair per engine and direction";
    style.caption =
        "Copy bandwidth between the GPUs of a host (ce: the copy engines, cudaMemcpyPeerAsync; sm: a copy kernel "
        "writing into the peer), each ordered pair measured alone; the bar is the slowest pair's median, and "
        "bidirectional counts the bytes of both directions. The report's fraction of peak divides it by the link's "
        "physical limit: NVLinks &times; their per-link rate, or the narrower PCIe link.";
    style.series = {"", 3};       // the size
    style.category = {"", 1, 3};  // engine/direction
    style.limit = ReportStyle::Limit::Details;
    return style;
  }

  // Healthy links: see docs/PERFORMANCE.md ("Copies between GPUs"). A pair without peer access, whose copies the
  // driver stages through host memory, or a link that lost lanes lands well below.
  double link_floor_fraction() const override { return kPeerCopyLinkFraction; }

  WorkloadSetup setup() const override { return WorkloadSetup::HostGpus; }

  std::vector<Measurement> expand(Fields& item, int warmup, int repetitions) const override {
    auto engines = item.names("engines", false, {"ce", "sm"}, "engine");
    auto directions = item.names("directions", false, {"uni", "bi"}, "direction");
    auto size = item.integer("bytes", false, 4096, 16 * kGiB, "bytes");
    if ((item.has("engines") && !engines) || (item.has("directions") && !directions) || (item.has("bytes") && !size))
      return {};
    const auto bytes = static_cast<std::uint64_t>(size.value_or(256 * kMiB)) / 16 * 16;
    std::vector<Measurement> out;
    for (const auto& engine : engines.value_or(std::vector<std::string>{"ce", "sm"}))
      for (const auto& direction : directions.value_or(std::vector<std::string>{"uni", "bi"})) {
        // The work is the bytes that cross the link per run: both directions' when bidirectional.
        out.push_back(measurement("peer_copy/" + engine + "/" + direction + "/" + format_bytes(bytes),
                                  {{"engine", engine}, {"direction", direction}, {"bytes", bytes}}, warmup, repetitions,
                                  direction == "bi" ? 2 * bytes : bytes, Metric::Bandwidth));
      }
    return out;
  }
};

}  // namespace

GPUCERT_WORKLOAD_SPEC(peer_copy, PeerCopySpec)

}  // namespace gpucert

// stream: BabelStream's kernels over three device arrays. Bytes per run from bandwidth.hpp.
#include <string>

#include "core/bandwidth.hpp"
#include "core/workloads/workload_spec.hpp"

namespace gpucert {
namespace {

std::uint64_t precision_bytes(const std::string& precision) { return precision == "fp64" ? 8 : 4; }

class StreamSpec final : public WorkloadSpec {
 public:
  std::string_view name() const override { return "stream"; }
  std::string_view description() const override {
    return "device memory bandwidth: BabelStream's copy, mul, add, triad, dot and nstream, fp32/fp64";
  }
  std::string_view backend() const override { return "worker"; }
  bool flushes_l2() const override { return true; }
  // The floors describe device memory. Arrays smaller than BabelStream's default (2^25 doubles, 256 MiB) are held
  // partly in the L2 (50 MB on an H100 or H200, 126 MB on a B200) or dominated by the launch's ramp: a healthy GPU
  // reaches 50-100% of the memory peak with 8 MiB arrays (docs/PERFORMANCE.md), so no floor judges them.
  std::optional<std::string> why_no_floor(const nlohmann::json& params) const override {
    constexpr std::uint64_t kSmallestJudged = 256 * kMiB;
    const auto elements = count_param(params, "elements");
    const auto precision = text_param(params, "precision");
    if (!elements || (precision != "fp64" && precision != "fp32")) return std::nullopt;
    const std::uint64_t bytes = saturating_product({*elements, precision_bytes(precision)});
    if (bytes >= kSmallestJudged) return std::nullopt;
    return "arrays of " + format_bytes(bytes) + " are smaller than the " + format_bytes(kSmallestJudged) +
           " a device-memory floor needs (the L2 and the launch's ramp weigh on them); not judged";
  }
  // An H200 reaches 0.87-0.91 of its clock x bus peak with these kernels; dot's reduction leaves a little less.
  std::optional<FloorBasis> floor_basis(const nlohmann::json& params, std::string& /*why*/) const override {
    return FloorBasis{FloorBasis::Peak::MemoryBandwidth, text_param(params, "kernel") == "dot" ? 0.75 : 0.78, {}};
  }
  nlohmann::json field_schema() const override {
    return nlohmann::json::parse(R"json({
    "kernels": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ["copy", "mul", "add", "triad", "dot", "nstream"]}},
    "precisions": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ["fp32", "fp64"]}},
    "array_bytes": {"type": "integer", "minimum": 1048576, "maximum": 68719476736, "description": "bytes per array (three arrays); default 1 GiB"}
    })json");
  }

  // The kernel (stream.cu) allocates arrays a, b, c of n elements, a fourth ("previous") for nstream, which
  // reads its own output; the verification's tallies and dot's partial sums are a few KiB (1 MiB bounds them).
  std::optional<std::uint64_t> device_bytes(const nlohmann::json& params, int /*nranks*/) const override {
    const auto n = count_param(params, "elements");
    const auto precision = text_param(params, "precision");
    if (!n || (precision != "fp64" && precision != "fp32")) return std::nullopt;
    const std::uint64_t arrays = text_param(params, "kernel") == "nstream" ? 4 : 3;
    return saturating_sum({saturating_product({arrays, *n, precision == "fp64" ? 8u : 4u}), kMiB});
  }

  ReportStyle report_style() const override {
    ReportStyle style;
    style.chart = ReportStyle::Chart::Bars;
    style.title = "Memory bandwidth per stream kernel and precision";
    style.caption =
        "Memory bandwidth of each stream kernel, median of the repetitions (BabelStream's byte counts; "
        "1 GB/s = 10<sup>9</sup> B/s). With several ranks the bar is the median rank and the whisker spans the "
        "slowest to the fastest. The dashed line is the GPU's theoretical peak: 2 &times; memory clock "
        "&times; bus width.";
    style.series = {"precision", 2, 3};
    style.category = {"kernel", 1, 2};
    style.category_adds_size = true;
    style.limit = ReportStyle::Limit::DeviceMemory;
    return style;
  }

  std::vector<Measurement> expand(Fields& item, int warmup, int repetitions) const override {
    const std::vector<std::string> all_kernels{"copy", "mul", "add", "triad", "dot", "nstream"};
    auto kernels = item.names("kernels", false, all_kernels, "kernel");
    auto precisions = item.names("precisions", false, {"fp32", "fp64"}, "precision");
    // At least 1 MiB per array; at most 64 GiB, beyond any single GPU's memory for three arrays today.
    auto array_bytes = item.integer("array_bytes", false, kMiB, 64 * kGiB, "bytes per array");
    if ((item.has("kernels") && !kernels) || (item.has("precisions") && !precisions) ||
        (item.has("array_bytes") && !array_bytes))
      return {};
    const auto bytes = static_cast<std::uint64_t>(array_bytes.value_or(kGiB));
    std::vector<Measurement> out;
    for (const auto& precision : precisions.value_or(std::vector<std::string>{"fp64", "fp32"})) {
      const auto elements = bytes / precision_bytes(precision);
      for (const auto& kernel_name : kernels.value_or(all_kernels)) {
        const auto kernel = *parse_stream_kernel(kernel_name);
        out.push_back(measurement("stream/" + kernel_name + "/" + precision + "/" + format_bytes(bytes),
                                  {{"kernel", kernel_name}, {"precision", precision}, {"elements", elements}}, warmup,
                                  repetitions, stream_bytes(kernel, elements, precision_bytes(precision)),
                                  Metric::Bandwidth));
      }
    }
    return out;
  }
};

}  // namespace

GPUCERT_WORKLOAD_SPEC(stream, StreamSpec)

}  // namespace gpucert

// gemm: D = A·B through cuBLASLt, per precision and shape [M, N, K]. Flop per run from flops.hpp.
#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/flops.hpp"
#include "core/workloads/workload_spec.hpp"

namespace gpucert {
namespace {

// 65536 per dimension: beyond it a single operand of fp64 exceeds 32 GiB, more than a GEMM benchmark needs.
constexpr std::int64_t kMaxDimension = 65536;

using Shape = std::array<std::int64_t, 3>;

// Reads "shapes": a non-empty array of [M, N, K], each a whole number in 1..kMaxDimension, none listed twice.
// Problems name the exact element ("items[0].shapes[1][2]") so that a user finds it in a long list.
std::optional<std::vector<Shape>> read_shapes(Fields& item) {
  auto list = item.array("shapes", false);
  if (!list) return std::nullopt;
  const std::string path = item.path_of("shapes");
  const std::string range = "a whole number between 1 and " + std::to_string(kMaxDimension);
  std::vector<Shape> shapes;
  std::set<Shape> seen;
  bool good = true;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& entry = (*list)[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!entry.is_array() || entry.size() != 3) {
      item.problems().add(
          at, "expected [M, N, K], an array of 3 whole numbers, got " +
                  (entry.is_array() ? "an array of " + std::to_string(entry.size()) : json_type_name(entry)) + " (" +
                  entry.dump() + ")");
      good = false;
      continue;
    }
    Shape shape{};
    bool shape_good = true;
    for (std::size_t d = 0; d < 3; ++d) {
      const auto& value = entry[d];
      const std::string dimension(1, "MNK"[d]);
      const std::string where = at + "[" + std::to_string(d) + "]";
      if (!value.is_number_integer()) {
        item.problems().add(where, "expected " + dimension + " as " + range + ", got " + json_type_name(value) + " (" +
                                       value.dump() + ")");
        shape_good = false;
        continue;
      }
      // Values beyond int64 arrive as unsigned; they are out of range either way.
      const bool too_big =
          value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxDimension);
      const auto n = too_big ? kMaxDimension + 1 : value.get<std::int64_t>();
      if (n < 1 || n > kMaxDimension) {
        item.problems().add(where, "expected " + dimension + " as " + range + ", got " + value.dump());
        shape_good = false;
        continue;
      }
      shape[d] = n;
    }
    if (!shape_good) {
      good = false;
      continue;
    }
    if (!seen.insert(shape).second) {
      item.problems().add(at, "shape " + entry.dump() + " is listed twice");
      good = false;
      continue;
    }
    shapes.push_back(shape);
  }
  if (!good) return std::nullopt;
  return shapes;
}

class GemmSpec final : public WorkloadSpec {
 public:
  std::string_view name() const override { return "gemm"; }
  std::string_view description() const override {
    return "matrix multiply D = A·B through cuBLASLt: fp64, fp32, tf32, fp16, bf16 and fp8 (e4m3), TFLOP/s";
  }
  std::string_view backend() const override { return "libgpucert-gemm.so"; }
  bool flushes_l2() const override { return true; }
  // Of the clock-derived dense peak an H200 reaches 0.69-0.75 at 4096^3 and 8192^3, 0.62 for 16384^3 fp16 held at
  // its 700 W power cap, fp8 0.61-0.67. Below kDerivedGemmMinimumDimension launch and tail effects make the
  // fraction too variable to judge.
  std::optional<FloorBasis> floor_basis(const nlohmann::json& params, std::string& why) const override {
    constexpr std::uint64_t kDerivedGemmMinimumDimension = 4096;
    static const std::map<std::string, double, std::less<>> kFraction = {{"fp64", 0.70}, {"fp32", 0.62}, {"tf32", 0.55},
                                                                         {"fp16", 0.55}, {"bf16", 0.55}, {"fp8", 0.50}};
    const std::string precision = text_param(params, "precision");
    const auto fraction = kFraction.find(precision);
    if (fraction == kFraction.end()) {
      why = "no derived floor for GEMM precision '" + precision + "'";
      return std::nullopt;
    }
    std::uint64_t smallest = UINT64_MAX;
    for (const char* key : {"m", "n", "k"}) smallest = std::min(smallest, count_param(params, key).value_or(0));
    if (smallest < kDerivedGemmMinimumDimension) {
      why = "GEMMs smaller than " + std::to_string(kDerivedGemmMinimumDimension) + " have no derived floor";
      return std::nullopt;
    }
    return FloorBasis{FloorBasis::Peak::DenseCompute, fraction->second, precision};
  }
  nlohmann::json field_schema() const override {
    return nlohmann::json::parse(R"json({
    "precisions": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ["fp64", "fp32", "tf32", "fp16", "bf16", "fp8"]}},
    "shapes": {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 3, "maxItems": 3, "items": {"type": "integer", "minimum": 1, "maximum": 65536}, "description": "[M, N, K]"}}
    })json");
  }

  // The kernel (gemm.cpp) allocates A (M·K), B (K·N) in the input type, D (M·N) in the output type, the
  // cuBLASLt workspace (64 MiB, kWorkspaceBytes) and the verifier's samples (at most 256×256 doubles, their
  // indices and partials: under 1 MiB; 1 MiB bounds them with fp8's scale).
  std::optional<std::uint64_t> device_bytes(const nlohmann::json& params, int /*nranks*/) const override {
    const auto m = count_param(params, "m"), n = count_param(params, "n"), k = count_param(params, "k");
    const auto precision = text_param(params, "precision");
    std::uint64_t in = 0, out = 0;
    if (precision == "fp64")
      in = out = 8;
    else if (precision == "fp32" || precision == "tf32")
      in = out = 4;
    else if (precision == "fp16" || precision == "bf16")
      in = out = 2;
    else if (precision == "fp8")
      in = 1, out = 2;  // e4m3 inputs, bf16 output
    if (!m || !n || !k || !in) return std::nullopt;
    return saturating_sum({saturating_product({*m, *k, in}), saturating_product({*k, *n, in}),
                           saturating_product({*m, *n, out}), 64 * kMiB, kMiB});
  }

  ReportStyle report_style() const override {
    ReportStyle style;
    style.chart = ReportStyle::Chart::Bars;
    style.title = "GEMM throughput per precision";
    style.caption =
        "GEMM throughput (2&middot;M&middot;N&middot;K per run) per precision, median of the repetitions; one "
        "bar per shape M&times;N&times;K.";
    style.series = {"", 2};  // the shape: the id's segments after the precision
    style.category = {"precision", 1, 2};
    return style;
  }

  std::vector<Measurement> expand(Fields& item, int warmup, int repetitions) const override {
    const std::vector<std::string> all_precisions{"fp64", "fp32", "tf32", "fp16", "bf16", "fp8"};
    auto precisions = item.names("precisions", false, all_precisions, "precision");
    auto shapes = read_shapes(item);
    if ((item.has("precisions") && !precisions) || (item.has("shapes") && !shapes)) return {};
    std::vector<Measurement> out;
    for (const auto& precision : precisions.value_or(all_precisions)) {
      for (const auto& [m, n, k] : shapes.value_or(std::vector<Shape>{{8192, 8192, 8192}})) {
        out.push_back(measurement(
            "gemm/" + precision + "/" + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k),
            {{"precision", precision}, {"m", m}, {"n", n}, {"k", k}}, warmup, repetitions,
            gemm_flops(static_cast<std::uint64_t>(m), static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(k)),
            Metric::Throughput));
      }
    }
    return out;
  }
};

}  // namespace

GPUCERT_WORKLOAD_SPEC(gemm, GemmSpec)

}  // namespace gpucert

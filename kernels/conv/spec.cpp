// conv: cuDNN convolution (PyTorch's conv2d, channels-last, no bias) per precision, direction and shape.
// Directions: "forward" (y from x and w), and the two gradients training computes, "backward_data" (dx from dy
// and w, PyTorch's grad_input) and "backward_filter" (dw from x and dy, its grad_weight). Flop per run from
// flops.hpp, the same for every direction: each computes every product x·w of the forward pass exactly once.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/flops.hpp"
#include "core/workloads/workload_spec.hpp"

namespace gpucert {
namespace {

struct Range {
  const char* key;
  std::int64_t min, max, fallback;  // fallback < min: the field is required
};

// Wide enough for every network layer in use; narrow enough that no tensor's byte count overflows. Filters
// stop at 15: cuDNN's fast engines stop well before, and the fp64 reference visits every tap.
constexpr std::array<Range, 10> kShapeFields{{
    {"n", 1, 4096, 0},
    {"c", 1, 65536, 0},
    {"h", 1, 16384, 0},
    {"w", 1, 16384, 0},
    {"k", 1, 65536, 0},
    {"r", 1, 15, 0},
    {"s", 1, 15, 0},
    {"pad", 0, 1024, 0},
    {"stride", 1, 64, 1},
    {"dilation", 1, 64, 1},
}};

// Larger tensors than this (x, w or y) exceed any GPU's memory at 4 bytes an element (64 GiB).
constexpr std::uint64_t kMaxTensorElements = std::uint64_t{1} << 34;

using Shape = std::array<std::int64_t, kShapeFields.size()>;  // in kShapeFields' order
enum Field { N, C, H, W, K, R, S, Pad, Stride, Dilation };

// The suite's default: ResNet-50's most common 3x3 layer at batch 256, the shape compared with PyTorch.
constexpr Shape kDefaultShape{256, 64, 56, 56, 64, 3, 3, 1, 1, 1};

std::uint64_t product(std::initializer_list<std::int64_t> factors) {
  std::uint64_t out = 1;
  for (auto f : factors)
    if (__builtin_mul_overflow(out, static_cast<std::uint64_t>(f), &out)) return UINT64_MAX;
  return out;
}

// Reads one shape object; problems name its path ("items[0].shapes[2].k").
std::optional<Shape> read_shape(const nlohmann::json& entry, const std::string& at, Problems& problems) {
  Fields fields(entry, at, problems);
  if (!fields.is_object()) return std::nullopt;
  fields.refuse_unknown({"n", "c", "h", "w", "k", "r", "s", "pad", "stride", "dilation"});
  Shape shape{};
  bool good = true;
  for (std::size_t i = 0; i < kShapeFields.size(); ++i) {
    const auto& f = kShapeFields[i];
    const bool required = f.fallback < f.min;
    auto value = fields.integer(f.key, required, f.min, f.max);
    if (!value && (required || fields.has(f.key))) good = false;
    shape[i] = value.value_or(f.fallback);
  }
  if (!good) return std::nullopt;
  for (const auto& [filter, input, name] : {std::tuple{R, H, "height"}, std::tuple{S, W, "width"}}) {
    const std::int64_t span = shape[Dilation] * (shape[filter] - 1) + 1;
    const std::int64_t padded = shape[input] + 2 * shape[Pad];
    if (span > padded) {
      problems.add(at, std::string("the output is empty: the filter's ") + name + " spans " + std::to_string(span) +
                           " (dilation x (size - 1) + 1) but the padded input's is " + std::to_string(padded));
      good = false;
    }
  }
  if (!good) return std::nullopt;
  const auto p =
      static_cast<std::int64_t>(conv_output_size(shape[H], shape[R], shape[Pad], shape[Stride], shape[Dilation]));
  const auto q =
      static_cast<std::int64_t>(conv_output_size(shape[W], shape[S], shape[Pad], shape[Stride], shape[Dilation]));
  const std::array<std::pair<const char*, std::uint64_t>, 3> tensors{{
      {"input (N·C·H·W)", product({shape[N], shape[C], shape[H], shape[W]})},
      {"filter (K·C·R·S)", product({shape[K], shape[C], shape[R], shape[S]})},
      {"output (N·K·P·Q)", product({shape[N], shape[K], p, q})},
  }};
  for (const auto& [what, elements] : tensors) {
    if (elements > kMaxTensorElements) {
      problems.add(at, std::string("the ") + what + " would have " + std::to_string(elements) +
                           " elements, more than 2^34 (64 GiB in fp32)");
      good = false;
    }
  }
  if (!good) return std::nullopt;
  return shape;
}

std::optional<std::vector<Shape>> read_shapes(Fields& item) {
  auto list = item.array("shapes", false);
  if (!list) return std::nullopt;
  std::vector<Shape> shapes;
  std::set<Shape> seen;
  bool good = true;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string at = item.path_of("shapes") + "[" + std::to_string(i) + "]";
    auto shape = read_shape((*list)[i], at, item.problems());
    if (!shape) {
      good = false;
      continue;
    }
    if (!seen.insert(*shape).second) {
      item.problems().add(at, "shape " + (*list)[i].dump() + " is listed twice");
      good = false;
      continue;
    }
    shapes.push_back(*shape);
  }
  if (!good) return std::nullopt;
  return shapes;
}

// "n256c64h56w56k64r3s3p1u1": cuDNN's letters (u for the stride); "d2" only when dilated.
std::string shape_text(const Shape& s) {
  std::string text = "n" + std::to_string(s[N]) + "c" + std::to_string(s[C]) + "h" + std::to_string(s[H]) + "w" +
                     std::to_string(s[W]) + "k" + std::to_string(s[K]) + "r" + std::to_string(s[R]) + "s" +
                     std::to_string(s[S]) + "p" + std::to_string(s[Pad]) + "u" + std::to_string(s[Stride]);
  if (s[Dilation] != 1) text += "d" + std::to_string(s[Dilation]);
  return text;
}

class ConvSpec final : public WorkloadSpec {
 public:
  std::string_view name() const override { return "conv"; }
  std::string_view description() const override {
    return "cuDNN convolution (channels-last, as PyTorch's conv2d) forward, backward_data and backward_filter: fp32, "
           "tf32, fp16 and bf16, TFLOP/s";
  }
  std::string_view backend() const override { return "libgpucert-conv.so"; }
  bool flushes_l2() const override { return true; }
  nlohmann::json field_schema() const override {
    return nlohmann::json::parse(R"json({
    "precisions": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ["fp32", "tf32", "fp16", "bf16"]}},
    "directions": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ["forward", "backward_data", "backward_filter"]}, "description": "forward: y from x and w (PyTorch's conv2d); backward_data: dx from dy and w (convolution_backward's grad_input); backward_filter: dw from x and dy (its grad_weight). Default [\"forward\"]. A backward measurement's id is conv/<precision>/<direction>/<shape>; a forward one's conv/<precision>/<shape>"},
    "shapes": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/conv_shape"}}
    })json");
  }
  nlohmann::json schema_definitions() const override {
    return {
        {"conv_shape",
         nlohmann::json::parse(
             R"json({"type": "object", "additionalProperties": false, "required": ["n", "c", "h", "w", "k", "r", "s"], "properties": {"n": {"type": "integer", "minimum": 1, "maximum": 4096, "description": "batch"}, "c": {"type": "integer", "minimum": 1, "maximum": 65536, "description": "input channels"}, "h": {"type": "integer", "minimum": 1, "maximum": 16384}, "w": {"type": "integer", "minimum": 1, "maximum": 16384}, "k": {"type": "integer", "minimum": 1, "maximum": 65536, "description": "output channels (filters)"}, "r": {"type": "integer", "minimum": 1, "maximum": 15}, "s": {"type": "integer", "minimum": 1, "maximum": 15}, "pad": {"type": "integer", "minimum": 0, "maximum": 1024, "description": "default 0"}, "stride": {"type": "integer", "minimum": 1, "maximum": 64, "description": "default 1"}, "dilation": {"type": "integer", "minimum": 1, "maximum": 64, "description": "default 1"}}})json")}};
  }

  // The kernel (conv.cpp) allocates x (N·C·H·W), w (K·C·R·S) and y (N·K·P·Q) in the data type (fp32 and tf32
  // 4 bytes, fp16 and bf16 2), the verifier's samples (at most 65536 doubles and their tallies: 1 MiB bounds
  // them), and the 512 MiB the kernel leaves free for cuDNN (kReservedBytes). The workspace is not counted:
  // the kernel only considers plans whose workspace fits what is free after that reserve.
  std::optional<std::uint64_t> device_bytes(const nlohmann::json& params, int /*nranks*/) const override {
    const auto precision = text_param(params, "precision");
    std::uint64_t element = 0;
    if (precision == "fp32" || precision == "tf32")
      element = 4;
    else if (precision == "fp16" || precision == "bf16")
      element = 2;
    const auto n = count_param(params, "n"), c = count_param(params, "c"), h = count_param(params, "h"),
               w = count_param(params, "w"), k = count_param(params, "k"), r = count_param(params, "r"),
               s = count_param(params, "s"), pad = count_param(params, "pad"), stride = count_param(params, "stride"),
               dilation = count_param(params, "dilation");
    if (!element || !n || !c || !h || !w || !k || !r || !s || !pad || !stride || !dilation) return std::nullopt;
    std::uint64_t p = 0, q = 0;
    try {
      p = conv_output_size(*h, *r, *pad, *stride, *dilation);
      q = conv_output_size(*w, *s, *pad, *stride, *dilation);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    return saturating_sum({saturating_product({*n, *c, *h, *w, element}), saturating_product({*k, *c, *r, *s, element}),
                           saturating_product({*n, *k, p, q, element}), kMiB, 512 * kMiB});
  }

  ReportStyle report_style() const override {
    ReportStyle style;
    style.chart = ReportStyle::Chart::Bars;
    style.title = "Convolution throughput per precision";
    style.caption =
        "Convolution throughput (2&middot;N&middot;K&middot;P&middot;Q&middot;C&middot;R&middot;S per run, in every "
        "direction) per precision, median of the repetitions; one bar per shape (n batch, c input and k output "
        "channels, h&times;w input, r&times;s filter, p padding, u stride), backward ones named "
        "backward_data/ (the input gradient) or backward_filter/ (the filter gradient).";
    style.series = {"", 2};  // the shape (and direction): the id's segments after the precision
    style.category = {"precision", 1, 2};
    return style;
  }

  std::vector<Measurement> expand(Fields& item, int warmup, int repetitions) const override {
    const std::vector<std::string> all_precisions{"fp32", "tf32", "fp16", "bf16"};
    auto precisions = item.names("precisions", false, all_precisions, "precision");
    // Unlike precisions, directions default to forward alone: a suite written before backward directions
    // existed measures what it measured then.
    auto directions = item.names("directions", false, {"forward", "backward_data", "backward_filter"}, "direction");
    auto shapes = read_shapes(item);
    if ((item.has("precisions") && !precisions) || (item.has("directions") && !directions) ||
        (item.has("shapes") && !shapes))
      return {};
    std::vector<Measurement> out;
    for (const auto& precision : precisions.value_or(all_precisions)) {
      for (const auto& direction : directions.value_or(std::vector<std::string>{"forward"})) {
        const bool forward = direction == "forward";
        for (const auto& s : shapes.value_or(std::vector<Shape>{kDefaultShape})) {
          nlohmann::json params = {{"precision", precision},
                                   {"n", s[N]},
                                   {"c", s[C]},
                                   {"h", s[H]},
                                   {"w", s[W]},
                                   {"k", s[K]},
                                   {"r", s[R]},
                                   {"s", s[S]},
                                   {"pad", s[Pad]},
                                   {"stride", s[Stride]},
                                   {"dilation", s[Dilation]}};
          // Forward ids and params are those of the releases before backward directions existed, so that
          // history and compare keep matching them; a backward measurement names its direction in both.
          if (!forward) params["direction"] = direction;
          const auto flop = conv_forward_flops(
              static_cast<std::uint64_t>(s[N]), static_cast<std::uint64_t>(s[C]), static_cast<std::uint64_t>(s[H]),
              static_cast<std::uint64_t>(s[W]), static_cast<std::uint64_t>(s[K]), static_cast<std::uint64_t>(s[R]),
              static_cast<std::uint64_t>(s[S]), static_cast<std::uint64_t>(s[Pad]),
              static_cast<std::uint64_t>(s[Stride]), static_cast<std::uint64_t>(s[Dilation]));
          out.push_back(measurement("conv/" + precision + "/" + (forward ? "" : direction + "/") + shape_text(s),
                                    std::move(params), warmup, repetitions, flop, Metric::Throughput));
        }
      }
    }
    return out;
  }
};

}  // namespace

GPUCERT_WORKLOAD_SPEC(conv, ConvSpec)

}  // namespace gpucert

// stream: BabelStream's kernels over three device arrays. Bytes per run from bandwidth.hpp.
#include <string>

#include "../bandwidth.hpp"
#include "workload_spec.hpp"

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
  std::vector<std::string_view> fields() const override { return {"kernels", "precisions", "array_bytes"}; }

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
        Measurement m;
        m.id = "stream/" + kernel_name + "/" + precision + "/" + format_bytes(bytes);
        m.workload = "stream";
        m.params = {{"kernel", kernel_name}, {"precision", precision}, {"elements", elements}};
        m.warmup = warmup;
        m.repetitions = repetitions;
        m.work = stream_bytes(kernel, elements, precision_bytes(precision));
        m.metric = Metric::Bandwidth;
        out.push_back(std::move(m));
      }
    }
    return out;
  }
};

}  // namespace

const WorkloadSpec& stream_spec() {
  static const StreamSpec spec;
  return spec;
}

}  // namespace gpucert

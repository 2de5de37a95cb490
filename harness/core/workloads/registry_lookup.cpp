// Lookups over the registry that cmake/GpucertWorkloads.cmake generates from kernels/workloads.cmake, and the
// helpers the specs' device_bytes() share.
#include <limits>

#include "workload_spec.hpp"

namespace gpucert {

const WorkloadSpec* find_workload(std::string_view name) {
  for (const auto* spec : workload_registry())
    if (spec->name() == name) return spec;
  return nullptr;
}

std::vector<std::string> workload_names() {
  std::vector<std::string> names;
  for (const auto* spec : workload_registry()) names.emplace_back(spec->name());
  return names;
}

bool needs_setup(const Measurement& m, WorkloadSetup setup) {
  const auto* spec = find_workload(m.workload);
  return spec && spec->setup() == setup;
}

bool judged_against_own_pcie_link(const Measurement& m) {
  const auto* spec = find_workload(m.workload);
  return spec && spec->judged_against_own_pcie_link();
}

std::vector<std::string> WorkloadSpec::fields() const {
  const auto schema = field_schema();
  std::vector<std::string> names;
  for (auto it = schema.begin(); it != schema.end(); ++it) names.push_back(it.key());
  return names;
}

Measurement WorkloadSpec::measurement(std::string id, nlohmann::json params, int warmup, int repetitions,
                                      std::uint64_t work, Metric metric) const {
  Measurement m;
  m.id = std::move(id);
  m.workload = std::string(name());
  m.params = std::move(params);
  m.warmup = warmup;
  m.repetitions = repetitions;
  m.work = work;
  m.metric = metric;
  return m;
}

std::uint64_t saturating_product(std::initializer_list<std::uint64_t> factors) {
  std::uint64_t out = 1;
  for (auto f : factors)
    if (__builtin_mul_overflow(out, f, &out)) return std::numeric_limits<std::uint64_t>::max();
  return out;
}

std::uint64_t saturating_sum(std::initializer_list<std::uint64_t> terms) {
  std::uint64_t out = 0;
  for (auto t : terms)
    if (__builtin_add_overflow(out, t, &out)) return std::numeric_limits<std::uint64_t>::max();
  return out;
}

std::optional<std::uint64_t> count_param(const nlohmann::json& params, const char* key) {
  if (!params.is_object() || !params.contains(key)) return std::nullopt;
  const auto& v = params[key];
  if (!v.is_number_integer()) return std::nullopt;
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  const auto n = v.get<std::int64_t>();
  if (n < 0) return std::nullopt;
  return static_cast<std::uint64_t>(n);
}

std::string text_param(const nlohmann::json& params, const char* key) {
  if (!params.is_object() || !params.contains(key) || !params[key].is_string()) return {};
  return params[key].get<std::string>();
}

}  // namespace gpucert

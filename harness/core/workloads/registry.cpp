#include "workload_spec.hpp"

namespace gpucert {

// Each workload's spec lives in its own file; they are listed here once, in the order `gpucert list` shows.
const WorkloadSpec& stream_spec();
const WorkloadSpec& host_copy_spec();
const WorkloadSpec& gemm_spec();
const WorkloadSpec& conv_spec();
const WorkloadSpec& nccl_spec();

const std::vector<const WorkloadSpec*>& workload_registry() {
  static const std::vector<const WorkloadSpec*> registry{&stream_spec(), &host_copy_spec(), &gemm_spec(),
                                                         &conv_spec(), &nccl_spec()};
  return registry;
}

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

}  // namespace gpucert

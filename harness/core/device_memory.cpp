#include "device_memory.hpp"

#include <algorithm>
#include <cstdio>

#include "workloads/workload_spec.hpp"

namespace gpucert {

std::optional<std::uint64_t> device_bytes_needed(std::string_view workload, const nlohmann::json& params, int nranks) {
  const auto* spec = find_workload(workload);
  if (!spec) return std::nullopt;
  return spec->device_bytes(params, nranks);
}

std::string format_memory(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  value /= 1024;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char out[32];
  std::snprintf(out, sizeof out, "%.1f %s", value, kUnits[unit]);
  return out;
}

std::optional<std::string> device_memory_refusal(std::string_view what, std::uint64_t needed, std::uint64_t free_bytes,
                                                 std::uint64_t total_bytes, std::string_view gpu) {
  if (saturating_sum({needed, kDeviceMemoryMarginBytes}) <= free_bytes) return std::nullopt;
  return std::string(what) + " needs " + format_memory(needed) + " of device memory (and " +
         format_memory(kDeviceMemoryMarginBytes) + " kept for CUDA and its libraries); " + format_memory(free_bytes) +
         " of " + format_memory(total_bytes) + " is free on " + std::string(gpu) +
         "; nothing was allocated (use smaller sizes in the suite, or free the GPU)";
}

}  // namespace gpucert

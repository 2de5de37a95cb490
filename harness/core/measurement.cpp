#include "measurement.hpp"

#include <stdexcept>

#include "bandwidth.hpp"

namespace gpucert {

std::string_view unit_of(Metric metric) { return metric == Metric::Bandwidth ? "GB/s" : "TFLOP/s"; }
std::string_view name_of(Metric metric) { return metric == Metric::Bandwidth ? "bandwidth" : "throughput"; }

double figure(Metric metric, std::uint64_t work, double seconds) {
  if (metric == Metric::Bandwidth) return gigabytes_per_second(work, seconds);
  if (!(seconds > 0.0)) throw std::invalid_argument("throughput over a non-positive time");
  return static_cast<double>(work) / seconds / 1e12;
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (unit < 4 && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + kUnits[unit];
}

}  // namespace gpucert

#include "derived_floors.hpp"

#include <cstdio>
#include <map>

#include "workloads/workload_spec.hpp"

namespace gpucert {
namespace {

std::string number(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace

double flop_per_sm_clock(int cc_major, int cc_minor, const std::string& precision) {
  // {fp64, fp32, tf32, fp16, bf16, fp8}, dense (no sparsity), per SM per clock.
  struct Rates {
    double fp64, fp32, tf32, fp16, bf16, fp8;
  };
  static const std::map<int, Rates> kRates = {
      {70, {64, 128, 0, 1024, 0, 0}},              // V100
      {75, {4, 128, 0, 1024, 0, 0}},               // T4
      {80, {128, 128, 1024, 2048, 2048, 0}},       // A100 (fp64: DMMA)
      {86, {4, 256, 512, 1024, 1024, 0}},          // A10, A40, RTX A-series
      {89, {4, 256, 512, 1024, 1024, 2048}},       // L4, L40S, RTX Ada
      {90, {256, 256, 2048, 4096, 4096, 8192}},    // H100, H200, GH200
      {100, {128, 256, 4096, 8192, 8192, 16384}},  // B200, GB200
  };
  const auto it = kRates.find(cc_major * 10 + cc_minor);
  if (it == kRates.end()) return 0;
  const auto& r = it->second;
  if (precision == "fp64") return r.fp64;
  if (precision == "fp32") return r.fp32;
  if (precision == "tf32") return r.tf32;
  if (precision == "fp16") return r.fp16;
  if (precision == "bf16") return r.bf16;
  if (precision == "fp8") return r.fp8;
  return 0;
}

std::optional<PerformanceFloor> derived_floor(const DeviceInfo& device, const Measurement& m, std::string* why) {
  auto say = [&](std::string text) {
    if (why) *why = std::move(text);
    return std::nullopt;
  };
  const auto* spec = find_workload(m.workload);
  if (!spec) return say("no derived floor for " + m.workload + ", a workload this gpucert does not know");
  std::string reason;
  const auto basis = spec->floor_basis(m.params, reason);
  if (!basis) return say(reason);
  PerformanceFloor floor;
  floor.key = m.id;
  floor.metric = m.metric;
  floor.derived = true;
  const std::string percent = number(100 * basis->fraction, 0) + "% of the ";
  if (basis->peak == FloorBasis::Peak::MemoryBandwidth) {
    if (device.memory_clock_khz <= 0 || device.memory_bus_bits <= 0)
      return say("CUDA did not report the memory clock and bus width of " + device.name);
    const double peak = device.peak_bandwidth_gbps();
    floor.minimum = peak * basis->fraction;
    floor.datasheet = peak;
    floor.source = "derived from the hardware: " + percent + number(peak, 0) + " GB/s peak of 2 x " +
                   number(device.memory_clock_khz / 1e3, 0) + " MHz x " + std::to_string(device.memory_bus_bits) +
                   "-bit memory";
    return floor;
  }
  const std::string& precision = basis->precision;
  const double rate = flop_per_sm_clock(device.cc_major, device.cc_minor, precision);
  if (rate <= 0)
    return say("no " + precision + " rate per SM is known for sm_" + std::to_string(device.cc_major) +
               std::to_string(device.cc_minor));
  if (device.multiprocessors <= 0 || device.sm_clock_khz <= 0)
    return say("CUDA did not report the SM count and clock of " + device.name);
  const double peak = device.multiprocessors * (device.sm_clock_khz * 1e3) * rate / 1e12;
  floor.minimum = peak * basis->fraction;
  floor.datasheet = peak;
  floor.source = "derived from the hardware: " + percent + number(peak, 1) + " TFLOP/s dense " + precision +
                 " peak of " + std::to_string(device.multiprocessors) + " SMs x " +
                 number(device.sm_clock_khz / 1e3, 0) + " MHz x " + number(rate, 0) + " FLOP/SM/clock (sm_" +
                 std::to_string(device.cc_major) + std::to_string(device.cc_minor) + ")";
  return floor;
}

std::optional<double> recorded_link_limit_gbps(const ResultRecord& r) {
  const auto& details = r.reply.details;
  if (!details.is_object()) return std::nullopt;
  const auto limit = details.find("limit_gbps");
  if (limit == details.end() || !limit->is_number() || limit->get<double>() <= 0) return std::nullopt;
  return limit->get<double>();
}

std::optional<PerformanceFloor> link_floor(const ResultRecord& r) {
  const auto* spec = find_workload(r.measurement.workload);
  const double fraction = spec ? spec->link_floor_fraction() : 0;
  const auto limit = fraction > 0 ? recorded_link_limit_gbps(r) : std::nullopt;
  if (!limit) return std::nullopt;
  const auto& details = r.reply.details;
  PerformanceFloor floor;
  floor.key = r.measurement.id;
  floor.metric = Metric::Bandwidth;
  floor.derived = true;
  floor.datasheet = *limit;
  floor.minimum = fraction * *floor.datasheet;
  const auto link = details.value("link", std::string("link"));
  floor.source = "derived from the link: " + number(100 * fraction, 0) + "% of the " + number(*floor.datasheet, 1) +
                 " GB/s physical limit of its " + link + " (" + details.value("link_evidence", std::string()) + ")";
  return floor;
}

}  // namespace gpucert

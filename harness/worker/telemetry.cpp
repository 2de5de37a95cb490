#include "telemetry.hpp"

#include <chrono>
#include <cstdlib>
#include <string>

#include "gpu_monitor.hpp"
#include "probe.hpp"

namespace gpucert::worker {
namespace {

nvml::GpuMonitor& monitor() {
  static nvml::GpuMonitor instance;
  return instance;
}

int period_ms() {
  const char* text = std::getenv("GPUCERT_TELEMETRY_PERIOD_MS");
  if (!text || !*text) return 5;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  return end && *end == '\0' && value >= 0 && value <= 10000 ? static_cast<int>(value) : 5;
}

}  // namespace

GpuHealthReport gpu_health() { return monitor().health(); }

RunReply with_telemetry(int device, const std::function<RunReply()>& run) {
  MeasurementTelemetry none;
  const int period = period_ms();
  std::unique_ptr<nvml::GpuMonitor::Sampling> sampling;
  if (period == 0) {
    none.error = "the sampler is off (GPUCERT_TELEMETRY_PERIOD_MS=0)";
  } else if (!monitor().available()) {
    none.error = "NVML is unavailable: " + monitor().error();
  } else if (const auto uuid = device_uuid(device); uuid.empty()) {
    none.error = "CUDA gave no UUID for device " + std::to_string(device);
  } else if (sampling = monitor().start_sampling(uuid, std::chrono::milliseconds(period)); !sampling) {
    none.error = "NVML does not know the GPU " + uuid;
  }
  auto reply = run();
  reply.telemetry = sampling ? sampling->finish() : none;
  return reply;
}

}  // namespace gpucert::worker

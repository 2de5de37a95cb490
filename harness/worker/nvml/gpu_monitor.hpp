// The worker's one view of its GPUs through NVML (docs/HEALTH.md): health snapshots of every GPU it sees, the
// critical events (Xid, double-bit ECC) from an event set that watches from the first use to the worker's
// exit, and the telemetry sampler that runs during each measurement. Where NVML cannot be opened, every answer
// says so with the loader's message instead of failing.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/gpu_telemetry.hpp"
#include "nvml_library.hpp"

namespace gpucert::nvml {

class GpuMonitor {
 public:
  // Opens `library_path`; GPUCERT_NVML_LIBRARY overrides it (a test's fake NVML, a library elsewhere).
  explicit GpuMonitor(const std::string& library_path = "libnvidia-ml.so.1");
  ~GpuMonitor();
  GpuMonitor(const GpuMonitor&) = delete;
  GpuMonitor& operator=(const GpuMonitor&) = delete;

  // Every GPU NVML sees, the MPS daemon if one runs, and every critical event since this monitor started.
  GpuHealthReport health();

  class Sampling;
  // Starts sampling the GPU of `uuid` ("GPU-..."; CUDA's UUID of the measured device) every `period`, on a
  // thread of its own, until the returned object's finish().
  std::unique_ptr<Sampling> start_sampling(const std::string& uuid, std::chrono::microseconds period);

  [[nodiscard]] bool available() const { return library_ != nullptr; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  friend class Sampling;
  // Takes whatever the event set holds now, without waiting; returns the count of events recorded so far.
  std::size_t drain_events();
  std::vector<GpuEvent> events_since(std::size_t first);
  HealthSnapshot snapshot(Device device);

  std::shared_ptr<Library> library_;
  std::string error_;
  EventSet events_set_ = nullptr;
  std::string events_error_;
  std::mutex events_mutex_;
  std::vector<GpuEvent> events_;
};

class GpuMonitor::Sampling {
 public:
  Sampling(GpuMonitor& monitor, Device device, std::chrono::microseconds period);
  ~Sampling();
  Sampling(const Sampling&) = delete;
  Sampling& operator=(const Sampling&) = delete;
  // Stops the thread, takes the last readings and returns them all.
  MeasurementTelemetry finish();

 private:
  void loop();
  TelemetrySample sample(double t_s);
  void note_link_and_processes();
  std::map<std::string, std::uint64_t> violations();

  GpuMonitor& monitor_;
  Device device_;
  std::chrono::microseconds period_;
  std::chrono::steady_clock::time_point start_;
  std::size_t first_event_ = 0;
  std::map<std::string, std::uint64_t> violations_at_start_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;  // guards telemetry_ between the thread and finish()
  MeasurementTelemetry telemetry_;
  std::thread thread_;
};

// A compute process's command line from /proc, NULs as spaces, shortened; empty where it cannot be read.
std::string process_name(unsigned pid);
// "nvidia-cuda-mps-control, pid 123" when an MPS daemon runs where this process can see it.
std::optional<std::string> mps_daemon();

}  // namespace gpucert::nvml

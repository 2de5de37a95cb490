// What a worker's probe found in its environment: versions, devices, the driver library, device nodes and
// the variables that decide whether CUDA works. Plain data: the doctor reasons over it without a GPU.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "gpu_telemetry.hpp"

namespace gpucert {

struct CudaErrorInfo {
  int code = 0;
  std::string name;     // "cudaErrorInsufficientDriver"
  std::string message;  // cudaGetErrorString
  std::string call;     // the call that returned it
};

struct DeviceInfo {
  int index = 0;
  std::string name;
  std::string uuid;        // "GPU-xxxxxxxx-..."
  std::string pci_bus_id;  // "0000:00:06.0"
  int cc_major = 0, cc_minor = 0;
  std::uint64_t memory_bytes = 0;
  int multiprocessors = 0;
  std::uint64_t l2_bytes = 0;
  int memory_clock_khz = 0;  // peak
  int sm_clock_khz = 0;      // peak (cudaDevAttrClockRate): with the SM count, the tensor peak of derived floors
  int memory_bus_bits = 0;
  // Theoretical peak of device memory: 2 transfers per clock (DDR) x bus width. H100 SXM: 3.35 TB/s.
  [[nodiscard]] double peak_bandwidth_gbps() const;
};

struct LibraryProbe {
  std::string name;  // "libcuda.so.1"
  bool loaded = false;
  std::string path;   // where the loader found it, when loaded
  std::string error;  // the loader's own message, when not
  // (initialised, so the four-field initialisers of libcuda's probe stay warning-free)
  std::string library = {};  // the flavour catalogue's name ("cublas"), in ProbeReport::libraries
  std::string version = {};  // "13.0.2", from the library's own version call, when it has a cheap one
};

// A tool a flavour carries (flavors.hpp: nvcc, cuda_runtime.h, ...) and where the probe found it.
struct ToolProbe {
  std::string name;
  bool found = false;
  std::string path;
};

struct WorkloadAvailability {
  std::string name;
  bool available = false;
  std::string backend;   // "worker" or the plugin file
  std::string evidence;  // the loader's message when unavailable, library versions when available
};

// What the environment's PyTorch says about CUDA: `python3 -c` with a fixed script, run by the worker's probe
// when python3 is on PATH (GPUCERT_PROBE_PYTHON=0 turns it off). Absent when no python3 was run.
struct PythonTorchProbe {
  std::string python;                 // the python3 that ran, as found on PATH
  std::string torch_version;          // torch.__version__; empty when torch is not installed or did not import
  std::string torch_cuda;             // torch.version.cuda ("12.1"); empty for a CPU-only build
  bool is_available = false;          // torch.cuda.is_available()
  int device_count = 0;               // torch.cuda.device_count()
  std::string error;                  // import failure, timeout or unreadable output, in the words that said it
  std::vector<std::string> warnings;  // what torch warned while asking (e.g. "found version 12040")
};

struct ProbeReport {
  std::string hostname;
  std::string worker_version;
  int cuda_build_version = 0;  // CUDART_VERSION the worker was compiled against, e.g. 13000
  int driver_version = 0;      // cudaDriverGetVersion: the newest CUDA the driver supports; 0 if unknown
  std::string driver_release;  // the kernel driver's version, "580.159.04", from /proc/driver/nvidia/version
  int runtime_version = 0;     // cudaRuntimeGetVersion
  std::optional<CudaErrorInfo> cuda_error;
  std::vector<DeviceInfo> devices;
  LibraryProbe libcuda;
  // The flavour catalogue's libraries of the worker's CUDA major, each dlopen()ed and closed again; the
  // devel tools; the machine (uname: "x86_64"). Empty from a worker that predates them.
  std::vector<LibraryProbe> libraries;
  std::vector<ToolProbe> tools;
  std::string machine;
  std::vector<std::string> device_nodes;           // /dev/nvidia* present
  std::map<std::string, std::string> environment;  // selected variables that are set
  std::vector<WorkloadAvailability> workloads;
  std::optional<PythonTorchProbe> python_torch;
  // NVML's health snapshot of every GPU the worker sees, taken at the probe: the "before" of the health checks
  // (docs/HEALTH.md). Absent from workers that predate it.
  std::optional<GpuHealthReport> health;

  [[nodiscard]] bool cuda_usable() const { return !cuda_error && !devices.empty(); }
  // Why not, in one line: the CUDA error ("cudaErrorInsufficientDriver (35): ...") or that no device shows.
  [[nodiscard]] std::string unusable_reason() const;
};

// 13000 -> "13.0", 12090 -> "12.9", 0 -> "unknown"
std::string format_cuda_version(int version);
// "12.1" -> 12010, "13" -> 13000; 0 when it is not a version
int parse_cuda_version(const std::string& text);

nlohmann::json to_json(const ProbeReport& report);
nlohmann::json to_json(const PythonTorchProbe& torch);
Outcome<ProbeReport> probe_report_from_json(const nlohmann::json& j);

}  // namespace gpucert

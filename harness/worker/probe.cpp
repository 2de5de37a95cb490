#include "probe.hpp"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cctype>
#include <filesystem>
#include <sstream>

#include <cuda_runtime_api.h>

#include "probe_python.hpp"

#include "probe_libraries.hpp"
#include "telemetry.hpp"

namespace gpucert::worker {
namespace {

// The variables that decide whether and which GPUs a process sees.
constexpr const char* kEnvironmentFacts[] = {
    "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES", "NVIDIA_REQUIRE_CUDA",
    "CUDA_VERSION",         "LD_LIBRARY_PATH",        "CUDA_DEVICE_ORDER",          "NCCL_NVLS_ENABLE",
};

std::string hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

std::vector<std::string> device_nodes() {
  std::vector<std::string> nodes;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/dev", ec)) {
    const auto name = entry.path().filename().string();
    if (name.rfind("nvidia", 0) == 0) nodes.push_back(entry.path().string());
  }
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

// Loads libcuda.so.1 the way cudart does, to keep the loader's own words when it fails and to learn
// which file it picked when it succeeds (the stub in lib64/stubs is a classic mistake).
LibraryProbe probe_libcuda(int* driver_version_fallback) {
  LibraryProbe lib;
  lib.name = "libcuda.so.1";
  dlerror();
  void* handle = dlopen(lib.name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* message = dlerror();
    lib.error = message ? message : "dlopen failed without a message";
    return lib;
  }
  lib.loaded = true;
  link_map* map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name) lib.path = map->l_name;
  using GetVersion = int (*)(int*);
  if (auto get = reinterpret_cast<GetVersion>(dlsym(handle, "cuDriverGetVersion")); get) {
    int version = 0;
    if (get(&version) == 0) *driver_version_fallback = version;
  }
  // Kept loaded: cudart will dlopen the same file and share the handle.
  return lib;
}

// "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build ..." -> "580.159.04":
// the first word made of digits and dots with at least one dot.
std::string driver_release() {
  std::FILE* f = std::fopen("/proc/driver/nvidia/version", "r");
  if (!f) return {};
  char line[512] = {};
  const bool read = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  if (!read) return {};
  std::istringstream words(line);
  for (std::string word; words >> word;)
    if (word.find('.') != std::string::npos && word.find_first_not_of("0123456789.") == std::string::npos &&
        std::isdigit(static_cast<unsigned char>(word[0])))
      return word;
  return {};
}

std::string format_uuid(const cudaUUID_t& uuid) {
  const auto* b = reinterpret_cast<const unsigned char*>(uuid.bytes);
  char text[64];
  std::snprintf(text, sizeof text, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return text;
}

CudaErrorInfo describe(cudaError_t status, const char* call) {
  return {static_cast<int>(status), cudaGetErrorName(status), cudaGetErrorString(status), call};
}

}  // namespace

ProbeReport probe_environment(const std::vector<WorkloadAvailability>& workloads) {
  ProbeReport r;
  r.hostname = hostname();
  r.worker_version = GPUCERT_VERSION;
  r.cuda_build_version = CUDART_VERSION;
  r.workloads = workloads;
  r.device_nodes = device_nodes();
  r.libraries = probe_libraries(CUDART_VERSION / 1000);
  r.tools = probe_tools();
  r.machine = machine_name();
  for (const char* name : kEnvironmentFacts)
    if (const char* value = std::getenv(name)) r.environment[name] = value;

  int libcuda_driver_version = 0;
  r.libcuda = probe_libcuda(&libcuda_driver_version);

  r.driver_release = driver_release();
  cudaDriverGetVersion(&r.driver_version);
  if (r.driver_version == 0) r.driver_version = libcuda_driver_version;
  cudaRuntimeGetVersion(&r.runtime_version);
  r.python_torch = probe_python_torch();  // its own process: whatever CUDA does below cannot disturb it
  r.health = gpu_health();                // NVML needs no CUDA: a GPU that CUDA cannot use still has its health read

  int count = 0;
  if (const auto status = cudaGetDeviceCount(&count); status != cudaSuccess) {
    r.cuda_error = describe(status, "cudaGetDeviceCount");
    cudaGetLastError();  // clear the sticky-free error so later calls report their own
    return r;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (const auto status = cudaGetDeviceProperties(&prop, i); status != cudaSuccess) {
      r.cuda_error = describe(status, "cudaGetDeviceProperties");
      return r;
    }
    DeviceInfo d;
    d.index = i;
    d.name = prop.name;
    d.uuid = format_uuid(prop.uuid);
    char bus[32] = {};
    if (cudaDeviceGetPCIBusId(bus, sizeof bus, i) == cudaSuccess) d.pci_bus_id = bus;
    d.cc_major = prop.major;
    d.cc_minor = prop.minor;
    d.memory_bytes = prop.totalGlobalMem;
    d.multiprocessors = prop.multiProcessorCount;
    d.l2_bytes = static_cast<std::uint64_t>(prop.l2CacheSize);
    d.memory_bus_bits = prop.memoryBusWidth;
    cudaDeviceGetAttribute(&d.memory_clock_khz, cudaDevAttrMemoryClockRate, i);
    cudaDeviceGetAttribute(&d.sm_clock_khz, cudaDevAttrClockRate, i);
    r.devices.push_back(std::move(d));
  }
  return r;
}

std::string device_uuid(int index) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, index) != cudaSuccess) {
    cudaGetLastError();
    return {};
  }
  return format_uuid(prop.uuid);
}

}  // namespace gpucert::worker

// A fake libnvidia-ml.so.1 for the unit tests of the worker's NVML module: one GPU whose readings follow
// FAKE_NVML_SCENARIO ("healthy", "shared", "throttled", "xid", "init-fails"). It exports only part of NVML,
// as an old driver would: the module must read what exists and say what does not.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "nvml_abi.hpp"

using namespace gpucert::nvml;

namespace {

std::string scenario() {
  const char* s = std::getenv("FAKE_NVML_SCENARIO");
  return s ? s : "healthy";
}
DeviceOpaque* const kDevice = reinterpret_cast<DeviceOpaque*>(0x1000);
EventSetOpaque* const kSet = reinterpret_cast<EventSetOpaque*>(0x2000);
constexpr const char* kUuid = "GPU-00000000-1111-2222-3333-444444444444";
bool xid_delivered = false;

Return copy(const char* text, char* out, unsigned size) {
  if (std::strlen(text) + 1 > size) return kErrorInsufficientSize;
  std::strcpy(out, text);
  return kSuccess;
}

}  // namespace

extern "C" {

Return nvmlInit_v2() { return scenario() == "init-fails" ? 9 : kSuccess; }
Return nvmlShutdown() { return kSuccess; }
const char* nvmlErrorString(Return r) {
  switch (r) {
    case 3:
      return "Not Supported";
    case 9:
      return "Driver Not Loaded";
    case 10:
      return "Timeout";
    default:
      return "Unknown Error";
  }
}
Return nvmlSystemGetDriverVersion(char* out, unsigned size) { return copy("580.95.05", out, size); }
Return nvmlSystemGetNVMLVersion(char* out, unsigned size) { return copy("13.580.95.05", out, size); }
Return nvmlDeviceGetCount_v2(unsigned* count) {
  *count = 1;
  return kSuccess;
}
Return nvmlDeviceGetHandleByIndex_v2(unsigned index, Device* device) {
  if (index != 0) return 2;
  *device = kDevice;
  return kSuccess;
}
Return nvmlDeviceGetHandleByUUID(const char* uuid, Device* device) {
  if (std::strcmp(uuid, kUuid) != 0) return 6;
  *device = kDevice;
  return kSuccess;
}
Return nvmlDeviceGetUUID(Device, char* out, unsigned size) { return copy(kUuid, out, size); }
Return nvmlDeviceGetName(Device, char* out, unsigned size) { return copy("NVIDIA Fake 80GB", out, size); }
Return nvmlDeviceGetClockInfo(Device, int type, unsigned* mhz) {
  *mhz = type == kClockMem ? 2619 : scenario() == "throttled" ? 1200 : 1980;
  return kSuccess;
}
Return nvmlDeviceGetMaxClockInfo(Device, int type, unsigned* mhz) {
  *mhz = type == kClockMem ? 2619 : 1980;
  return kSuccess;
}
Return nvmlDeviceGetPowerUsage(Device, unsigned* mw) {
  *mw = 650000;
  return kSuccess;
}
Return nvmlDeviceGetEnforcedPowerLimit(Device, unsigned* mw) {
  *mw = 700000;
  return kSuccess;
}
Return nvmlDeviceGetTemperature(Device, int, unsigned* c) {
  *c = scenario() == "throttled" ? 92 : 60;
  return kSuccess;
}
Return nvmlDeviceGetUtilizationRates(Device, Utilization* u) {
  u->gpu = 100;
  u->memory = 70;
  return kSuccess;
}
Return nvmlDeviceGetCurrentClocksEventReasons(Device, unsigned long long* reasons) {
  *reasons = scenario() == "throttled" ? 0x4 | 0x40 : 0x4;
  return kSuccess;
}
Return nvmlDeviceGetViolationStatus(Device, int policy, ViolationTime* v) {
  static unsigned long long power = 0, thermal = 0;
  v->referenceTime = 0;
  if (policy == kPerfPolicyPower)
    v->violationTime = power += 1000;
  else if (policy == kPerfPolicyThermal)
    v->violationTime = scenario() == "throttled" ? thermal += 5000 : 0;
  else
    return kErrorNotSupported;
  return kSuccess;
}
Return nvmlDeviceGetComputeRunningProcesses_v3(Device, unsigned* count, ProcessInfo* infos) {
  const bool shared = scenario() == "shared";
  const unsigned needed = shared ? 2 : 1;
  if (*count < needed) {
    *count = needed;
    return kErrorInsufficientSize;
  }
  infos[0] = {static_cast<unsigned>(getpid()), 1ull << 30, 0, 0};
  if (shared) infos[1] = {static_cast<unsigned>(getppid()), 2ull << 30, 0, 0};
  *count = needed;
  return kSuccess;
}
Return nvmlDeviceGetEccMode(Device, int* current, int* pending) {
  *current = *pending = 1;
  return kSuccess;
}
Return nvmlDeviceGetTotalEccErrors(Device, int, int, unsigned long long* count) {
  *count = 0;
  return kSuccess;
}
// No nvmlDeviceGetRemappedRows: an older driver, which has page retirement instead.
Return nvmlDeviceGetRetiredPages(Device, int, unsigned* count, unsigned long long*) {
  *count = 0;
  return kSuccess;
}
Return nvmlDeviceGetRetiredPagesPendingStatus(Device, int* pending) {
  *pending = 0;
  return kSuccess;
}
Return nvmlDeviceGetCurrPcieLinkGeneration(Device, unsigned* gen) {
  *gen = 5;
  return kSuccess;
}
Return nvmlDeviceGetMaxPcieLinkGeneration(Device, unsigned* gen) {
  *gen = 5;
  return kSuccess;
}
Return nvmlDeviceGetCurrPcieLinkWidth(Device, unsigned* width) {
  *width = 16;
  return kSuccess;
}
Return nvmlDeviceGetMaxPcieLinkWidth(Device, unsigned* width) {
  *width = 16;
  return kSuccess;
}
Return nvmlDeviceGetNvLinkState(Device, unsigned link, int* active) {
  if (link >= 4) return kErrorNotSupported;
  *active = scenario() == "pcie-only" ? 0 : 1;
  return kSuccess;
}
// A second GPU, found only by its bus id, for the peer-link tests: "nvlink-direct" joins the two by four links,
// any other scenario joins each GPU's four links to NVSwitches.
DeviceOpaque* const kPeer = reinterpret_cast<DeviceOpaque*>(0x1001);
Return nvmlDeviceGetHandleByPciBusId_v2(const char* bus, Device* device) {
  if (std::strcmp(bus, "0000:18:00.0") == 0)
    *device = kDevice;
  else if (std::strcmp(bus, "0000:2A:00.0") == 0)
    *device = kPeer;
  else
    return 6;  // NVML_ERROR_NOT_FOUND
  return kSuccess;
}
Return nvmlDeviceGetPciInfo_v3(Device device, PciInfo* info) {
  *info = PciInfo{};
  info->bus = device == kPeer ? 0x2A : 0x18;
  return kSuccess;
}
Return nvmlDeviceGetNvLinkRemoteDeviceType(Device, unsigned, int* type) {
  *type = scenario() == "nvlink-direct" ? kNvLinkDeviceGpu : kNvLinkDeviceSwitch;
  return kSuccess;
}
Return nvmlDeviceGetNvLinkRemotePciInfo_v2(Device device, unsigned, PciInfo* info) {
  return nvmlDeviceGetPciInfo_v3(device == kPeer ? kDevice : kPeer, info);
}
Return nvmlDeviceGetNvLinkVersion(Device, unsigned, unsigned* version) {
  *version = 6;  // NVML_NVLINK_VERSION_4_0
  return kSuccess;
}
Return nvmlDeviceGetNvLinkErrorCounter(Device, unsigned, int, unsigned long long* value) {
  *value = 0;
  return kSuccess;
}
Return nvmlDeviceGetComputeMode(Device, int* mode) {
  *mode = kComputeDefault;
  return kSuccess;
}
Return nvmlDeviceGetMigMode(Device, unsigned*, unsigned*) { return kErrorNotSupported; }
Return nvmlEventSetCreate(EventSet* set) {
  *set = kSet;
  return kSuccess;
}
Return nvmlEventSetFree(EventSet) { return kSuccess; }
Return nvmlDeviceGetSupportedEventTypes(Device, unsigned long long* types) {
  *types = kEventXidCritical | kEventDoubleBitEcc | 0x4;
  return kSuccess;
}
Return nvmlDeviceRegisterEvents(Device, unsigned long long, EventSet) { return kSuccess; }
Return nvmlEventSetWait_v2(EventSet, EventData* data, unsigned) {
  if (scenario() != "xid" || xid_delivered) return kErrorTimeout;
  xid_delivered = true;
  *data = {kDevice, kEventXidCritical, 79, 0, 0};
  return kSuccess;
}

}  // extern "C"

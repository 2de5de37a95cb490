// The part of NVML's C ABI that gpucert calls, declared here because nvml.h is not in every CUDA toolkit
// install (it comes with the optional cuda-nvml-dev package; CI's toolkit lacks it). NVML keeps these types
// and values stable across driver releases: new behaviour arrives as new, versioned entry points (_v2, _v3).
// Where the toolkit does carry nvml.h, the build checks every value below against it (nvml_library.cpp).
#pragma once

#include <cstdint>

namespace gpucert::nvml {

using Return = int;  // nvmlReturn_t
inline constexpr Return kSuccess = 0;
inline constexpr Return kErrorUninitialized = 1;
inline constexpr Return kErrorNotSupported = 3;
inline constexpr Return kErrorNoPermission = 4;
inline constexpr Return kErrorInsufficientSize = 7;
inline constexpr Return kErrorTimeout = 10;
inline constexpr Return kErrorFunctionNotFound = 13;

struct DeviceOpaque;
using Device = DeviceOpaque*;  // nvmlDevice_t
struct EventSetOpaque;
using EventSet = EventSetOpaque*;  // nvmlEventSet_t

inline constexpr int kClockGraphics = 0, kClockSm = 1, kClockMem = 2;         // nvmlClockType_t
inline constexpr int kTemperatureGpu = 0;                                     // nvmlTemperatureSensors_t
inline constexpr int kMemoryErrorCorrected = 0, kMemoryErrorUncorrected = 1;  // nvmlMemoryErrorType_t
inline constexpr int kVolatileEcc = 0, kAggregateEcc = 1;                     // nvmlEccCounterType_t
inline constexpr int kPageRetirementDoubleBit = 1;  // NVML_PAGE_RETIREMENT_CAUSE_DOUBLE_BIT_ECC_ERROR
inline constexpr int kComputeDefault = 0, kComputeExclusiveThread = 1, kComputeProhibited = 2,
                     kComputeExclusiveProcess = 3;  // nvmlComputeMode_t
// nvmlPerfPolicyType_t
inline constexpr int kPerfPolicyPower = 0, kPerfPolicyThermal = 1, kPerfPolicySyncBoost = 2, kPerfPolicyBoardLimit = 3,
                     kPerfPolicyLowUtilization = 4, kPerfPolicyReliability = 5;
// nvmlNvLinkErrorCounter_t
inline constexpr int kNvLinkReplay = 0, kNvLinkRecovery = 1, kNvLinkCrcFlit = 2, kNvLinkCrcData = 3;
inline constexpr unsigned kNvLinkMaxLinks = 18;  // NVML_NVLINK_MAX_LINKS (Hopper: 18)
// nvmlEventType
inline constexpr unsigned long long kEventDoubleBitEcc = 0x2, kEventXidCritical = 0x8;

// nvmlIntNvLinkDeviceType_t: what the far end of an NVLink is
inline constexpr int kNvLinkDeviceGpu = 0, kNvLinkDeviceSwitch = 2;

struct PciInfo {  // nvmlPciInfo_t
  char busIdLegacy[16];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;
  unsigned int pciSubSystemId;
  char busId[32];  // "00000000:18:00.0"
};
struct Utilization {  // nvmlUtilization_t
  unsigned int gpu;
  unsigned int memory;
};
struct ViolationTime {  // nvmlViolationTime_t
  unsigned long long referenceTime;
  unsigned long long violationTime;
};
struct ProcessInfo {  // nvmlProcessInfo_t (the _v2/_v3 layout)
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};
struct EventData {  // nvmlEventData_t
  Device device;
  unsigned long long eventType;
  unsigned long long eventData;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};

}  // namespace gpucert::nvml

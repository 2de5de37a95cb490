// Built only where the CUDA toolkit carries nvml.h (CMakeLists.txt): every value and layout nvml_abi.hpp
// declares, checked against NVIDIA's own header, so a mistake there fails the build instead of a reading.
#include <nvml.h>

#include <cstddef>

#include "nvml_abi.hpp"

// The values nvml_abi.hpp declares, checked against the toolkit's own header where the toolkit has one.
static_assert(NVML_SUCCESS == gpucert::nvml::kSuccess &&
              NVML_ERROR_NOT_SUPPORTED == gpucert::nvml::kErrorNotSupported &&
              NVML_ERROR_INSUFFICIENT_SIZE == gpucert::nvml::kErrorInsufficientSize &&
              NVML_ERROR_TIMEOUT == gpucert::nvml::kErrorTimeout &&
              NVML_ERROR_FUNCTION_NOT_FOUND == gpucert::nvml::kErrorFunctionNotFound);
static_assert(NVML_CLOCK_SM == gpucert::nvml::kClockSm && NVML_CLOCK_MEM == gpucert::nvml::kClockMem &&
              NVML_TEMPERATURE_GPU == gpucert::nvml::kTemperatureGpu);
static_assert(NVML_MEMORY_ERROR_TYPE_UNCORRECTED == gpucert::nvml::kMemoryErrorUncorrected &&
              NVML_VOLATILE_ECC == gpucert::nvml::kVolatileEcc && NVML_AGGREGATE_ECC == gpucert::nvml::kAggregateEcc &&
              NVML_PAGE_RETIREMENT_CAUSE_DOUBLE_BIT_ECC_ERROR == gpucert::nvml::kPageRetirementDoubleBit);
static_assert(NVML_COMPUTEMODE_PROHIBITED == gpucert::nvml::kComputeProhibited &&
              NVML_COMPUTEMODE_EXCLUSIVE_PROCESS == gpucert::nvml::kComputeExclusiveProcess);
static_assert(NVML_PERF_POLICY_THERMAL == gpucert::nvml::kPerfPolicyThermal &&
              NVML_PERF_POLICY_RELIABILITY == gpucert::nvml::kPerfPolicyReliability);
static_assert(NVML_NVLINK_ERROR_DL_CRC_DATA == gpucert::nvml::kNvLinkCrcData);
static_assert(nvmlEventTypeXidCriticalError == gpucert::nvml::kEventXidCritical &&
              nvmlEventTypeDoubleBitEccError == gpucert::nvml::kEventDoubleBitEcc);
static_assert(NVML_NVLINK_DEVICE_TYPE_GPU == gpucert::nvml::kNvLinkDeviceGpu &&
              NVML_NVLINK_DEVICE_TYPE_SWITCH == gpucert::nvml::kNvLinkDeviceSwitch);
static_assert(sizeof(nvmlPciInfo_t) == sizeof(gpucert::nvml::PciInfo) &&
              offsetof(nvmlPciInfo_t, busId) == offsetof(gpucert::nvml::PciInfo, busId));
static_assert(sizeof(nvmlProcessInfo_t) == sizeof(gpucert::nvml::ProcessInfo) &&
              sizeof(nvmlEventData_t) == sizeof(gpucert::nvml::EventData) &&
              sizeof(nvmlViolationTime_t) == sizeof(gpucert::nvml::ViolationTime));

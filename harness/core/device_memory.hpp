// How much device memory one measurement allocates, from its workload and params alone, so the worker can
// refuse a measurement that cannot fit before it allocates anything (docs/RELIABILITY.md). The formulas
// count every device buffer the kernels in kernels/<workload>/ allocate; device_memory.cpp documents each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace gpucert {

// Kept free beyond a measurement's own buffers: cuBLAS/cuDNN handles, their internal allocations, kernel
// launch resources and the allocator's granularity. The CUDA context itself is already resident when the
// worker reads free memory.
inline constexpr std::uint64_t kDeviceMemoryMarginBytes = std::uint64_t{256} << 20;

// The device bytes a measurement allocates (its buffers, without the margin); saturates at UINT64_MAX.
// nullopt when the workload is unknown here (a third-party plugin) or its params are not those the suite
// writes: the kernel itself reports bad params. `nranks` is the communicator's size for nccl (all_gather's
// receive buffer is nranks times its send buffer); 1 where unknown, which gives a lower bound.
std::optional<std::uint64_t> device_bytes_needed(std::string_view workload, const nlohmann::json& params,
                                                 int nranks = 1);

// Bytes as a person reads them at this scale: "48.0 GiB", "512.0 MiB", "4.0 KiB", "100 bytes".
std::string format_memory(std::uint64_t bytes);

// The refusal when need + margin exceeds the free memory, nullopt when it fits. `what` names the
// measurement (its id), `gpu` the device ("GPU 0 (NVIDIA H200)"). The message gives the need, the margin,
// free and total memory and the GPU, and says that nothing was allocated.
std::optional<std::string> device_memory_refusal(std::string_view what, std::uint64_t needed, std::uint64_t free_bytes,
                                                 std::uint64_t total_bytes, std::string_view gpu);

}  // namespace gpucert

#include "memory_gate.hpp"

#include <string>

#include <cuda_runtime_api.h>

#include "common/plugin_glue.hpp"
#include "core/device_memory.hpp"

namespace gpucert::worker {

std::optional<RunReply> refuse_if_too_large(const RunRequest& request, int nranks) {
  const auto needed = device_bytes_needed(request.workload, request.params, nranks);
  if (!needed) return std::nullopt;
  std::size_t free_bytes = 0, total_bytes = 0;
  // cudaSetDevice makes the primary context the run would make anyway, so the figure read is what the run
  // will find; a failure here is left to the kernel, which reports it with its own context.
  if (cudaSetDevice(request.device) != cudaSuccess || cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) {
    (void)cudaGetLastError();
    return std::nullopt;
  }
  std::string gpu = "GPU " + std::to_string(request.device);
  if (cudaDeviceProp props{}; cudaGetDeviceProperties(&props, request.device) == cudaSuccess)
    gpu += " (" + std::string(props.name) + ")";
  else
    (void)cudaGetLastError();
  auto refusal =
      device_memory_refusal(request.id.empty() ? request.workload : request.id, *needed, free_bytes, total_bytes, gpu);
  if (!refusal) return std::nullopt;
  return kernels::error_reply(*refusal);
}

}  // namespace gpucert::worker

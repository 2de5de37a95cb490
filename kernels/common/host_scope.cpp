#include "host_scope.hpp"

#include <string>

#include <cuda_runtime_api.h>

#include "cuda_check.hpp"
#include "plugin_glue.hpp"

namespace gpucert::kernels {

int visible_gpu_count() {
  int count = 0;
  GPUCERT_CUDA_TRY(cudaGetDeviceCount(&count));
  return count;
}

int select_device(int device) {
  GPUCERT_CUDA_TRY(cudaSetDevice(device));
  return device;
}

std::string pci_bus_id(int device) {
  char bus[32] = {};
  GPUCERT_CUDA_TRY(cudaDeviceGetPCIBusId(bus, sizeof bus, device));
  return bus;
}

std::optional<RunReply> waive_unless_host_leader(const RunRequest& request, int min_gpus) {
  const int count = visible_gpu_count();
  if (count < min_gpus)
    return waived_reply(
        request.workload + " needs " + std::to_string(min_gpus) + " GPUs visible to one worker; it sees " +
        std::to_string(count) +
        " (a container needs the host's GPUs, and a scheduler binding one GPU per task hides the others)");
  if (request.device != 0)
    return waived_reply(request.workload +
                        " measures the host's GPUs together, once per host: the worker of GPU 0 "
                        "runs it, and this one is on GPU " +
                        std::to_string(request.device));
  return std::nullopt;
}

}  // namespace gpucert::kernels

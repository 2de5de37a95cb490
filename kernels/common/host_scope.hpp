// Workloads that measure a host's GPUs together (peer copies between every pair, host copies to all GPUs at once)
// run in one worker per host: the one whose GPU is the first this process sees. Every other rank's worker waives
// the measurement, so that no two workers drive the same links at the same time, and the host is measured once.
#pragma once

#include <optional>
#include <string>

#include "core/protocol.hpp"

namespace gpucert::kernels {

int visible_gpu_count();
// cudaSetDevice(device), then `device`: a member initialiser that makes the members after it on that GPU.
int select_device(int device);
// The GPU's PCI bus id as CUDA spells it ("0000:18:00.0"), which NVML takes to find the same GPU.
std::string pci_bus_id(int device);

// A waived reply when this worker is not the host's measuring one, or when it sees fewer than `min_gpus` GPUs.
std::optional<RunReply> waive_unless_host_leader(const RunRequest& request, int min_gpus);

}  // namespace gpucert::kernels

#include "launch_gate.hpp"

#include <cstdlib>

#include "common/cuda_check.hpp"

namespace gpucert::kernels {
namespace {

// Long enough for any host to enqueue a plan, short enough that a forgotten release costs little.
constexpr unsigned long long kTimeoutNs = 100'000'000;

__device__ unsigned long long global_time_ns() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// One thread, and one gate at a time on a stream: a plain increment of the mapped counter suffices (device
// atomics on host memory are not available over every PCIe link).
__global__ void gate_kernel(const volatile unsigned* flag, volatile unsigned* timeouts) {
  const unsigned long long start = global_time_ns();
  while (*flag == 0) {
    if (global_time_ns() - start > kTimeoutNs) {
      *timeouts = *timeouts + 1;
      return;
    }
  }
}

}  // namespace

bool launch_gate_enabled() {
  static const bool enabled = std::getenv("GPUCERT_UNGATED") == nullptr;
  return enabled;
}

LaunchGate::LaunchGate() {
  void* flag = nullptr;
  void* count = nullptr;
  GPUCERT_CUDA_TRY(cudaHostAlloc(&flag, sizeof(unsigned), cudaHostAllocMapped));
  flag_ = static_cast<volatile unsigned*>(flag);
  *flag_ = 1;
  try {
    GPUCERT_CUDA_TRY(cudaHostAlloc(&count, sizeof(unsigned), cudaHostAllocMapped));
  } catch (...) {
    cudaFreeHost(flag);
    throw;
  }
  timeout_count_ = static_cast<volatile unsigned*>(count);
  *timeout_count_ = 0;
}

LaunchGate::~LaunchGate() {
  cudaFreeHost(const_cast<unsigned*>(flag_));
  cudaFreeHost(const_cast<unsigned*>(timeout_count_));
}

void LaunchGate::hold(cudaStream_t stream) {
  *flag_ = 0;
  // With unified addressing (every 64-bit platform CUDA supports) mapped host pointers are valid on the device.
  gate_kernel<<<1, 1, 0, stream>>>(flag_, timeout_count_);
  GPUCERT_CUDA_CHECK_LAUNCH();
}

void LaunchGate::release() { *flag_ = 1; }

unsigned LaunchGate::timeouts() const { return *timeout_count_; }

}  // namespace gpucert::kernels

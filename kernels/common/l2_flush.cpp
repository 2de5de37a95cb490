#include "l2_flush.hpp"

#include <stdexcept>

namespace gpucert::kernels {
namespace {

std::size_t l2_bytes_of_current_device() {
  int device = 0, bytes = 0;
  GPUCERT_CUDA_TRY(cudaGetDevice(&device));
  GPUCERT_CUDA_TRY(cudaDeviceGetAttribute(&bytes, cudaDevAttrL2CacheSize, device));
  return static_cast<std::size_t>(bytes);
}

}  // namespace

L2Flush::L2Flush(bool cold) {
  if (!cold) return;
  l2_bytes_ = l2_bytes_of_current_device();
  // A device that reports no L2 cannot be flushed: running warm under a "cold" id would be a lie.
  if (l2_bytes_ == 0) throw std::runtime_error("l2 cold: the device reports no L2 cache size to flush");
  buffer_ = DeviceMemory(2 * l2_bytes_);
}

void L2Flush::before_timed_run(cudaStream_t stream) const {
  if (buffer_.bytes()) GPUCERT_CUDA_TRY(cudaMemsetAsync(buffer_.get(), 0, buffer_.bytes(), stream));
}

void L2Flush::describe(nlohmann::json& details) const {
  if (!buffer_.bytes()) {
    details["l2"] = "warm";
    return;
  }
  details["l2"] = "cold";
  details["l2_bytes"] = l2_bytes_;
  details["l2_flush_bytes"] = buffer_.bytes();
}

}  // namespace gpucert::kernels

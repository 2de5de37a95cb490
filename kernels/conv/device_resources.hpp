// Owning handles for the device resources of one run, released on every exit path: a failed run must not
// leak gigabytes or streams into the next measurement of the same worker.
#pragma once

#include <cstddef>

#include <cuda_runtime_api.h>

#include "common/cuda_check.hpp"

namespace gpucert::kernels::conv {

class DeviceBytes {
 public:
  explicit DeviceBytes(std::size_t bytes) : bytes_(bytes) {
    if (bytes) GPUCERT_CUDA_TRY(cudaMalloc(&ptr_, bytes));
  }
  ~DeviceBytes() { cudaFree(ptr_); }
  DeviceBytes(const DeviceBytes&) = delete;
  DeviceBytes& operator=(const DeviceBytes&) = delete;

  [[nodiscard]] void* get() const { return ptr_; }
  template <typename T>
  [[nodiscard]] T* as() const {
    return static_cast<T*>(ptr_);
  }
  [[nodiscard]] std::size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

class OwnedStream {
 public:
  OwnedStream() { GPUCERT_CUDA_TRY(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
  ~OwnedStream() { cudaStreamDestroy(stream_); }
  OwnedStream(const OwnedStream&) = delete;
  OwnedStream& operator=(const OwnedStream&) = delete;
  [[nodiscard]] cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_{};
};

}  // namespace gpucert::kernels::conv

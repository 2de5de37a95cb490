// Owning handles for the device resources of one run, released on every exit path: a failed run must not
// leak gigabytes or streams into the next measurement of the same worker.
#pragma once

#include <cstddef>
#include <utility>

#include <cuda_runtime_api.h>

#include "common/cuda_check.hpp"

namespace gpucert::kernels {

class DeviceMemory {
 public:
  DeviceMemory() = default;
  explicit DeviceMemory(std::size_t bytes) : bytes_(bytes) {
    if (bytes) GPUCERT_CUDA_TRY(cudaMalloc(&ptr_, bytes));
  }
  ~DeviceMemory() { cudaFree(ptr_); }
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;
  DeviceMemory(DeviceMemory&& other) noexcept
      : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  DeviceMemory& operator=(DeviceMemory&& other) noexcept {
    std::swap(ptr_, other.ptr_);
    std::swap(bytes_, other.bytes_);
    return *this;
  }

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

// A DeviceMemory of `count` elements of T.
template <typename T>
class DeviceArray {
 public:
  explicit DeviceArray(std::size_t count) : memory_(count * sizeof(T)) {}
  [[nodiscard]] T* get() const { return memory_.as<T>(); }

 private:
  DeviceMemory memory_;
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

}  // namespace gpucert::kernels

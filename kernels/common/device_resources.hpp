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
  DeviceArray(DeviceArray&&) noexcept = default;
  DeviceArray& operator=(DeviceArray&&) noexcept = default;
  [[nodiscard]] T* get() const { return memory_.as<T>(); }

 private:
  DeviceMemory memory_;
};

// Page-locked host memory of `count` elements of T: what a copy engine reads and writes at the link's rate, and
// asynchronously. With unified addressing every GPU of the process may copy to and from it.
template <typename T>
class PinnedArray {
 public:
  explicit PinnedArray(std::size_t count) { GPUCERT_CUDA_TRY(cudaMallocHost(&ptr_, count * sizeof(T))); }
  ~PinnedArray() { cudaFreeHost(ptr_); }
  PinnedArray(const PinnedArray&) = delete;
  PinnedArray& operator=(const PinnedArray&) = delete;
  PinnedArray(PinnedArray&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  PinnedArray& operator=(PinnedArray&&) = delete;
  [[nodiscard]] T* get() const { return ptr_; }

 private:
  T* ptr_ = nullptr;
};

class OwnedStream {
 public:
  OwnedStream() { GPUCERT_CUDA_TRY(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
  ~OwnedStream() {
    if (stream_) cudaStreamDestroy(stream_);
  }
  OwnedStream(const OwnedStream&) = delete;
  OwnedStream& operator=(const OwnedStream&) = delete;
  OwnedStream(OwnedStream&& other) noexcept : stream_(std::exchange(other.stream_, nullptr)) {}
  OwnedStream& operator=(OwnedStream&&) = delete;
  [[nodiscard]] cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_{};
};

// An event of the current device without timing's overhead unless asked: the fence one stream waits on for
// another, on this device or a peer.
class OwnedEvent {
 public:
  explicit OwnedEvent(bool timing = false) {
    GPUCERT_CUDA_TRY(cudaEventCreateWithFlags(&event_, timing ? cudaEventDefault : cudaEventDisableTiming));
  }
  ~OwnedEvent() {
    if (event_) cudaEventDestroy(event_);
  }
  OwnedEvent(const OwnedEvent&) = delete;
  OwnedEvent& operator=(const OwnedEvent&) = delete;
  OwnedEvent(OwnedEvent&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}
  OwnedEvent& operator=(OwnedEvent&&) = delete;
  [[nodiscard]] cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_{};
};

}  // namespace gpucert::kernels

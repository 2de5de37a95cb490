// std::optional's interface for a value kept on the heap: a pointer's size when empty. A result record's
// telemetry is 264 bytes that most records gathered at cluster scale do not have (docs/PERFORMANCE.md, "The
// report at cluster scale"); inline, it was a third of every record. Copies are deep, as an optional's are.
#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace gpucert {

template <typename T>
class HeapOptional {
 public:
  HeapOptional() = default;
  HeapOptional(std::nullopt_t) {}                                           // NOLINT: as std::optional
  HeapOptional(T value) : value_(std::make_unique<T>(std::move(value))) {}  // NOLINT
  HeapOptional(const std::optional<T>& value) {                             // NOLINT
    if (value) value_ = std::make_unique<T>(*value);
  }
  HeapOptional(const HeapOptional& other) : value_(other ? std::make_unique<T>(*other) : nullptr) {}
  HeapOptional(HeapOptional&&) noexcept = default;
  HeapOptional& operator=(const HeapOptional& other) {
    if (this != &other) value_ = other ? std::make_unique<T>(*other) : nullptr;
    return *this;
  }
  HeapOptional& operator=(HeapOptional&&) noexcept = default;
  ~HeapOptional() = default;

  [[nodiscard]] bool has_value() const { return value_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return value_.get(); }
  const T* operator->() const { return value_.get(); }
  void reset() { value_.reset(); }
  template <typename... Args>
  T& emplace(Args&&... args) {
    value_ = std::make_unique<T>(std::forward<Args>(args)...);
    return *value_;
  }

 private:
  std::unique_ptr<T> value_;
};

}  // namespace gpucert

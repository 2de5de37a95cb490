// Errors are values passed up with their context (where it happened, on which host), never a bare exit:
// a failure deep in a worker on rank 7 must reach the report saying so.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace gpucert {

struct Error {
  std::string message;
  std::string where;  // "file.cpp:123" of the first place that knew
  std::string host;   // filled in once the error crosses a process boundary

  // "message (at file:line on host)"
  [[nodiscard]] std::string describe() const;
};

Error make_error(std::string message, const char* file, int line);

#define GPUCERT_ERROR(msg) ::gpucert::make_error((msg), __FILE__, __LINE__)

// Either a value or an Error. Small on purpose: C++20 has no std::expected.
template <typename T>
class Outcome {
 public:
  Outcome(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Outcome(Error error) : state_(std::move(error)) {}  // NOLINT
  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  [[nodiscard]] const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

struct Unit {};
using Status = Outcome<Unit>;
inline Status ok_status() { return Unit{}; }

}  // namespace gpucert

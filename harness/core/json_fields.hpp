// Reading user JSON (suites) field by field, so that every complaint names the file, the field's path and
// what was expected: "suites/x.json: items[2].precisions[0]: unknown precision 'fp12' (expected one of
// fp32, fp64)". Problems are collected, not thrown: a user fixes all of them in one go.
#pragma once

#include <cmath>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace gpucert {

class Problems {
 public:
  void add(std::string path, std::string what);
  [[nodiscard]] bool empty() const { return lines_.empty(); }
  [[nodiscard]] const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

// A view of one JSON object at `path` ("items[2]"), reporting into `problems`.
class Fields {
 public:
  Fields(const nlohmann::json& object, std::string path, Problems& problems);

  [[nodiscard]] bool is_object() const { return object_.is_object(); }
  [[nodiscard]] std::string path_of(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const;

  // Each returns nullopt (and records a problem) when the field is present but wrong, or missing and
  // required. Optional fields that are absent return nullopt silently.
  std::optional<std::string> text(std::string_view key, bool required);
  std::optional<std::int64_t> integer(std::string_view key, bool required, std::int64_t min, std::int64_t max,
                                      std::string_view unit = {});
  // A number (whole or with a fraction) in [min, max].
  std::optional<double> number(std::string_view key, bool required, double min, double max);
  // A list of names, each one of `allowed`; duplicates are refused.
  std::optional<std::vector<std::string>> names(std::string_view key, bool required,
                                                const std::vector<std::string>& allowed, std::string_view what);
  std::optional<nlohmann::json> array(std::string_view key, bool required);

  // Every key not in `known` is a problem: a misspelt field must not be silently ignored.
  void refuse_unknown(std::initializer_list<std::string_view> known);

  Problems& problems() { return problems_; }
  [[nodiscard]] const nlohmann::json& object() const { return object_; }

 private:
  const nlohmann::json* find(std::string_view key, bool required);
  const nlohmann::json& object_;
  std::string path_;
  Problems& problems_;
};

std::string join(const std::vector<std::string>& parts, std::string_view separator);
std::string json_type_name(const nlohmann::json& value);

// Why nlohmann::json::parse gave up, for a user, without the library's "[json.exception...]" tag. Besides its
// parse_error, parse throws out_of_range (406) for a number no double holds ("1e400"): that reads "the number
// 1e400 is beyond the range of a double (about 1.8e308)". Callers that catch only parse_error let it escape.
std::string json_error_text(const nlohmann::json::exception& e);

// Whole numbers from JSON that comes from outside (a worker's reply or request, results.jsonl, a probe).
// nlohmann's get<int>() and value(key, 0) convert 1e30, 2.5, -1 (to an unsigned), 4294967296 (to an int) and true
// without a word, and converting a number with a fraction beyond the type's range is undefined behaviour.
// whole_number reads an integer within T's range, or a number whose fraction is zero within it (20.0); for anything
// else it throws JsonNumberError (a std::out_of_range) naming `what` and what was expected.
class JsonNumberError : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

template <typename T>
concept WholeNumber = std::integral<T> && !std::same_as<T, bool>;

// "what: expected a whole number between min and max, got value"
std::string whole_number_problem(const nlohmann::json& value, std::string_view what, const std::string& min,
                                 const std::string& max);

template <WholeNumber T>
T whole_number(const nlohmann::json& value, std::string_view what) {
  using limits = std::numeric_limits<T>;
  if (value.is_number_unsigned()) {
    if (const auto n = value.get<std::uint64_t>(); std::in_range<T>(n)) return static_cast<T>(n);
  } else if (value.is_number_integer()) {
    if (const auto n = value.get<std::int64_t>(); std::in_range<T>(n)) return static_cast<T>(n);
  } else if (value.is_number_float()) {
    // T's range as doubles: its least value (0 or -2^digits) is exact; its greatest, 2^digits - 1, may round up to
    // 2^digits, which is out of range.
    const double d = value.get<double>();
    if (d == std::trunc(d) && d >= static_cast<double>(limits::min()) && d < std::ldexp(1.0, limits::digits))
      return static_cast<T>(d);
  }
  throw JsonNumberError(
      whole_number_problem(value, what, std::to_string(limits::min()), std::to_string(limits::max())));
}

// j.value(key, fallback) for a whole number, checked as whole_number checks it: `fallback` when `key` is absent.
// Like value(), it refuses a `j` that is not an object.
template <WholeNumber T>
T whole_value(const nlohmann::json& j, const char* key, T fallback) {
  if (!j.is_object())
    throw JsonNumberError(std::string("cannot read '") + key + "' from " + json_type_name(j) + ", not an object");
  const auto it = j.find(key);
  return it == j.end() ? fallback : whole_number<T>(*it, key);
}

}  // namespace gpucert

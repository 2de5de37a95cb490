#include "json_fields.hpp"

#include <algorithm>
#include <set>

namespace gpucert {

void Problems::add(std::string path, std::string what) {
  lines_.push_back(path.empty() ? std::move(what) : path + ": " + what);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

std::string json_type_name(const nlohmann::json& value) {
  if (value.is_number_integer()) return "a whole number";
  if (value.is_number()) return "a number with a fraction";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  return "null";
}

std::string json_error_text(const nlohmann::json::exception& e) {
  std::string what = e.what();
  if (const auto tag = what.find("] "); what.starts_with("[json.exception.") && tag != std::string::npos)
    what.erase(0, tag + 2);
  if (e.id == 406) {  // "number overflow parsing '1e400'"
    const auto open = what.find('\''), close = what.rfind('\'');
    if (open != std::string::npos && close > open)
      return "the number " + what.substr(open + 1, close - open - 1) +
             " is beyond the range of a double (about 1.8e308)";
  }
  return what;
}

std::string whole_number_problem(const nlohmann::json& value, std::string_view what, const std::string& min,
                                 const std::string& max) {
  auto text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 100) text = text.substr(0, 100) + "...";
  return std::string(what) + ": expected a whole number between " + min + " and " + max + ", got " + text;
}

Fields::Fields(const nlohmann::json& object, std::string path, Problems& problems)
    : object_(object), path_(std::move(path)), problems_(problems) {
  if (!object_.is_object()) problems_.add(path_, "expected an object, got " + json_type_name(object_));
}

std::string Fields::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool Fields::has(std::string_view key) const { return object_.is_object() && object_.contains(std::string(key)); }

const nlohmann::json* Fields::find(std::string_view key, bool required) {
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(std::string(key));
  if (it == object_.end()) {
    if (required) problems_.add(path_of(key), "missing (this field is required)");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> Fields::text(std::string_view key, bool required) {
  const auto* v = find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string() || v->get_ref<const std::string&>().empty()) {
    problems_.add(path_of(key), "expected a non-empty string, got " + json_type_name(*v));
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<std::int64_t> Fields::integer(std::string_view key, bool required, std::int64_t min, std::int64_t max,
                                            std::string_view unit) {
  const auto* v = find(key, required);
  if (!v) return std::nullopt;
  std::string range = "between " + std::to_string(min) + " and " + std::to_string(max);
  if (!unit.empty()) range.append(" ").append(unit);
  if (!v->is_number_integer()) {
    problems_.add(path_of(key),
                  "expected a whole number " + range + ", got " + json_type_name(*v) + " (" + v->dump() + ")");
    return std::nullopt;
  }
  // Values beyond int64 arrive as unsigned; both are out of any range we accept.
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    problems_.add(path_of(key), "expected " + range + ", got " + v->dump());
    return std::nullopt;
  }
  const auto value = v->get<std::int64_t>();
  if (value < min || value > max) {
    problems_.add(path_of(key), "expected " + range + ", got " + std::to_string(value));
    return std::nullopt;
  }
  return value;
}

std::optional<double> Fields::number(std::string_view key, bool required, double min, double max) {
  const auto* v = find(key, required);
  if (!v) return std::nullopt;
  auto text = [](double x) { return nlohmann::json(x).dump(); };
  const std::string range = "between " + text(min) + " and " + text(max);
  if (!v->is_number()) {
    problems_.add(path_of(key), "expected a number " + range + ", got " + json_type_name(*v) + " (" + v->dump() + ")");
    return std::nullopt;
  }
  const auto value = v->get<double>();
  if (!(value >= min && value <= max)) {
    problems_.add(path_of(key), "expected " + range + ", got " + v->dump());
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<std::string>> Fields::names(std::string_view key, bool required,
                                                      const std::vector<std::string>& allowed, std::string_view what) {
  const auto* v = find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_array() || v->empty()) {
    problems_.add(path_of(key), "expected a non-empty array of " + std::string(what) + " names (one of " +
                                    join(allowed, ", ") + "), got " +
                                    (v->is_array() ? std::string("an empty array") : json_type_name(*v)));
    return std::nullopt;
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  bool good = true;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto& e = (*v)[i];
    const std::string at = path_of(key) + "[" + std::to_string(i) + "]";
    if (!e.is_string()) {
      problems_.add(at, "expected a string, got " + json_type_name(e));
      good = false;
      continue;
    }
    const auto name = e.get<std::string>();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      problems_.add(at,
                    "unknown " + std::string(what) + " '" + name + "' (expected one of " + join(allowed, ", ") + ")");
      good = false;
      continue;
    }
    if (!seen.insert(name).second) {
      problems_.add(at, std::string(what) + " '" + name + "' is listed twice");
      good = false;
      continue;
    }
    out.push_back(name);
  }
  if (!good) return std::nullopt;
  return out;
}

std::optional<nlohmann::json> Fields::array(std::string_view key, bool required) {
  const auto* v = find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_array() || v->empty()) {
    problems_.add(path_of(key), "expected a non-empty array, got " +
                                    (v->is_array() ? std::string("an empty array") : json_type_name(*v)));
    return std::nullopt;
  }
  return *v;
}

void Fields::refuse_unknown(std::initializer_list<std::string_view> known) {
  if (!object_.is_object()) return;
  for (const auto& [key, value] : object_.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::vector<std::string> names(known.begin(), known.end());
    problems_.add(path_of(key), "unknown field (expected one of " + join(names, ", ") + ")");
  }
}

}  // namespace gpucert

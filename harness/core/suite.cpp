#include "suite.hpp"

#include <algorithm>
#include <set>

#include "json_fields.hpp"
#include "workloads/workload_spec.hpp"

namespace gpucert {
namespace {

// "line 3, column 7" for a byte offset (nlohmann reports bytes read, one past the offending one).
std::string position_of(std::string_view text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// "l2": "warm" (the default: each timed run finds what the previous one left in the L2) or "cold" (flushed before
// each timed run); true for cold, nullopt when absent or wrong.
std::optional<bool> read_l2(Fields& fields) {
  auto l2 = fields.text("l2", false);
  if (!l2) return std::nullopt;
  if (*l2 != "warm" && *l2 != "cold") {
    fields.problems().add(fields.path_of("l2"), "'" + *l2 + "' is neither warm nor cold");
    return std::nullopt;
  }
  return *l2 == "cold";
}

std::vector<std::string> cold_l2_workloads() {
  std::vector<std::string> names;
  for (const auto* spec : workload_registry())
    if (spec->flushes_l2()) names.emplace_back(spec->name());
  return names;
}

void read_item(const nlohmann::json& json, std::size_t index, const ItemDefaults& defaults, Problems& problems,
               std::vector<Measurement>& plan) {
  Fields item(json, "items[" + std::to_string(index) + "]", problems);
  if (!item.is_object()) return;
  auto workload = item.text("workload", true);
  auto warmup = item.integer("warmup", false, 0, kMaxWarmup);
  auto repetitions = item.integer("repetitions", false, 1, kMaxRepetitions);
  auto timeout = item.integer("timeout_s", false, 1, kMaxTimeoutSeconds);
  const auto l2 = read_l2(item);
  if (!workload) return;
  const auto* spec = find_workload(*workload);
  if (!spec) {
    problems.add(item.path_of("workload"),
                 "unknown workload '" + *workload + "' (expected one of " + join(workload_names(), ", ") + ")");
    return;
  }
  auto measurements = spec->expand(item, static_cast<int>(warmup.value_or(defaults.warmup)),
                                   static_cast<int>(repetitions.value_or(defaults.repetitions)));
  // An item that asks for a cold L2 gets it or an error; the suite's default applies where a cold measurement
  // exists, and the ids say which ran cold.
  if (l2.value_or(false) && !spec->flushes_l2()) {
    problems.add(item.path_of("l2"), "workload '" + *workload +
                                         "' has no cold measurement (\"l2\": \"cold\" applies to " +
                                         join(cold_l2_workloads(), ", ") + ")");
    return;
  }
  const bool flush_l2 = l2.value_or(defaults.flush_l2) && spec->flushes_l2();
  for (auto& m : measurements) {
    m.timeout_s = static_cast<int>(timeout.value_or(defaults.timeout_s));
    if (flush_l2) {
      m.flush_l2 = true;
      m.id += "/cold";
    }
  }
  std::vector<std::string> known{"workload", "warmup", "repetitions", "timeout_s", "l2"};
  for (auto& f : spec->fields()) known.push_back(std::move(f));
  for (const auto& [key, value] : json.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      problems.add(item.path_of(key),
                   "unknown field for workload '" + *workload + "' (expected one of " + join(known, ", ") + ")");
  for (auto& m : measurements) plan.push_back(std::move(m));
}

// A list of non-empty, distinct strings ("flavors", "cuda_versions"); empty when absent.
std::vector<std::string> string_list(Fields& top, const char* key, Problems& problems) {
  std::vector<std::string> out;
  auto list = top.array(key, false);
  if (!list) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& item = (*list)[i];
    const auto path = std::string(key) + "[" + std::to_string(i) + "]";
    if (!item.is_string() || item.get<std::string>().empty()) {
      problems.add(path, "expected a non-empty string, got " + item.dump());
    } else if (std::find(out.begin(), out.end(), item.get<std::string>()) != out.end()) {
      problems.add(path, "'" + item.get<std::string>() + "' is listed twice");
    } else {
      out.push_back(item.get<std::string>());
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> suite_fields() {
  return {"$schema", "schema_version",   "name",    "description",  "defaults",
          "items",   "parity_threshold", "flavors", "cuda_versions"};
}

Outcome<Suite> parse_suite(std::string_view text, const std::string& source) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    // nlohmann's text is "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    if (auto colon = what.find("syntax error"); colon != std::string::npos) what = what.substr(colon);
    return GPUCERT_ERROR(source + ": not valid JSON at " + position_of(text, e.byte) + ": " + what);
  } catch (const nlohmann::json::exception& e) {
    // A number beyond a double's range ("1e400", out_of_range 406): it has no position, its text says which.
    return GPUCERT_ERROR(source + ": not valid JSON: " + json_error_text(e));
  }

  Problems problems;
  Fields top(doc, "", problems);
  Suite suite;
  suite.source = source;
  if (top.is_object()) {
    top.refuse_unknown({"$schema", "schema_version", "name", "description", "defaults", "items", "parity_threshold",
                        "flavors", "cuda_versions"});
    if (auto version = top.integer("schema_version", true, 1, 1000); version && *version != kSuiteSchemaVersion)
      problems.add("schema_version", "this gpucert reads suite schema version " + std::to_string(kSuiteSchemaVersion) +
                                         ", the file has " + std::to_string(*version));
    suite.name = top.text("name", true).value_or("");
    suite.description = top.text("description", false).value_or("");
    suite.parity_threshold = top.number("parity_threshold", false, kMinParityThreshold, kMaxParityThreshold);
    suite.flavors = string_list(top, "flavors", problems);
    suite.cuda_versions = string_list(top, "cuda_versions", problems);
    if (!suite.cuda_versions.empty() && suite.flavors.empty())
      problems.add("cuda_versions", "needs \"flavors\": the flavors to run in each CUDA version");
    ItemDefaults defaults;
    if (top.has("defaults")) {
      Fields d(doc["defaults"], "defaults", problems);
      d.refuse_unknown({"warmup", "repetitions", "timeout_s", "l2"});
      defaults.timeout_s = static_cast<int>(d.integer("timeout_s", false, 1, kMaxTimeoutSeconds).value_or(0));
      defaults.warmup = static_cast<int>(d.integer("warmup", false, 0, kMaxWarmup).value_or(defaults.warmup));
      defaults.repetitions =
          static_cast<int>(d.integer("repetitions", false, 1, kMaxRepetitions).value_or(defaults.repetitions));
      defaults.flush_l2 = read_l2(d).value_or(false);
    }
    if (auto items = top.array("items", true))
      for (std::size_t i = 0; i < items->size(); ++i) read_item((*items)[i], i, defaults, problems, suite.plan);
  }

  std::set<std::string> ids;
  for (const auto& m : suite.plan)
    if (!ids.insert(m.id).second)
      problems.add("items", "measurement '" + m.id + "' appears twice; each measurement may be listed once");

  if (!problems.empty()) {
    std::vector<std::string> lines;
    for (const auto& line : problems.lines()) lines.push_back(source + ": " + line);
    return GPUCERT_ERROR(join(lines, "\n"));
  }
  suite.document = std::move(doc);
  return suite;
}

}  // namespace gpucert

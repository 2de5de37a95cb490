#include "check.hpp"

#include <algorithm>

#include "json_fields.hpp"

namespace gpucert {

std::string_view name_of(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass:
      return "pass";
    case Verdict::Fail:
      return "fail";
    case Verdict::Waived:
      return "waived";
  }
  return "fail";
}

std::optional<Verdict> parse_verdict(std::string_view name) {
  for (auto v : {Verdict::Pass, Verdict::Fail, Verdict::Waived})
    if (name_of(v) == name) return v;
  return std::nullopt;
}

nlohmann::json to_json(const Check& c) {
  return {{"name", c.name},
          {"environment", c.environment},
          {"subject", c.subject},
          {"rank", c.rank},
          {"verdict", name_of(c.verdict)},
          {"evidence", c.evidence},
          {"diagnosis", c.diagnosis},
          {"fix", c.fix}};
}

Outcome<Check> check_from_json(const nlohmann::json& j) {
  try {
    Check c;
    c.name = j.at("name").get<std::string>();
    c.environment = j.value("environment", std::string(kNativeEnvironment));
    c.subject = j.value("subject", "");
    c.rank = whole_value(j, "rank", -1);
    const auto verdict = parse_verdict(j.at("verdict").get<std::string>());
    if (!verdict) return GPUCERT_ERROR("check '" + c.name + "' with unknown verdict " + j.at("verdict").dump());
    c.verdict = *verdict;
    c.evidence = j.value("evidence", "");
    c.diagnosis = j.value("diagnosis", "");
    c.fix = j.value("fix", "");
    return c;
  } catch (const std::exception& e) {
    return GPUCERT_ERROR(std::string("malformed check: ") + e.what());
  }
}

std::size_t count_verdict(const std::vector<Check>& checks, Verdict verdict) {
  return static_cast<std::size_t>(
      std::count_if(checks.begin(), checks.end(), [verdict](const Check& c) { return c.verdict == verdict; }));
}

}  // namespace gpucert

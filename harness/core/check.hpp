// A conformance check as data: what was checked, where, the verdict, and the evidence a person needs to
// believe it. Every check becomes one JUnit test case and one cell of the HTML report's matrix. The native
// checks are derived in conformance.hpp; image flavours add theirs (library inventory, parity, devel,
// hygiene) as more Checks with their own environment and subject, without a new type.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"

namespace gpucert {

// pass: holds. fail: does not, and counts against the run. waived: does not apply here or cannot be judged
// (a workload whose library is absent, a GPU without a performance floor); the evidence says why.
enum class Verdict { Pass, Fail, Waived };
std::string_view name_of(Verdict verdict);  // "pass", "fail", "waived"
std::optional<Verdict> parse_verdict(std::string_view name);

// The environment of native runs; an image's is "<image>/<runtime>" once flavours run.
inline constexpr std::string_view kNativeEnvironment = "native";

struct Check {
  std::string name;         // stable id: "gpu-visible", "driver-runtime-alignment", "performance-floor", ...
  std::string environment;  // kNativeEnvironment, or an image flavour under a runtime
  std::string subject;      // what it was checked on: "rank 0", a workload, "stream/triad/fp64/2GiB rank 0"
  int rank = -1;            // the rank it concerns; -1 for the run, a workload, an image
  Verdict verdict = Verdict::Fail;
  std::string evidence;   // what was seen, quoted: versions, device names, loader messages, figures
  std::string diagnosis;  // why it failed, when it failed
  std::string fix;        // the command or change that fixes it, when it failed
};

nlohmann::json to_json(const Check& check);
Outcome<Check> check_from_json(const nlohmann::json& j);

std::size_t count_verdict(const std::vector<Check>& checks, Verdict verdict);

}  // namespace gpucert

// `gpucert run --resume DIR`: what identifies a run (DIR/run.json, written when it starts), and which of its
// measurements are already done. Pure (no MPI, no files), so the decisions are unit-tested on their own.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/result.hpp"

namespace gpucert::coordinator {

inline constexpr int kRunIdentityFormat = 1;

// What must be the same for a run to be continued: the suite (by a digest of its parsed document, so that
// whitespace does not matter), the seed, the rank count, the rounds and the environments. The rest is there
// to say what the interrupted run was.
struct RunIdentity {
  std::string suite_name;
  std::string suite_source;
  std::string suite_digest;
  std::uint64_t seed = 1;
  int ranks = 1;
  int rounds = 5;
  std::vector<std::string> environments;  // "name (runtime image)", in the run's order; native is implied
  std::string gpucert_version;
  std::string command;
  std::string started;
  std::string run_id;             // made when the run starts; a resumed run keeps it, and every result line carries it
  std::vector<std::string> plan;  // the suite's measurement ids: what a complete run has results of
  nlohmann::json verdict_inputs;  // to_json(VerdictInputs): what the verdict is judged by
  // The suite document and the options of `gpucert run`, so that `--resume DIR` alone continues the run.
  nlohmann::json suite_document;
  nlohmann::json options = nlohmann::json::object();
};

// A fresh run's id: 16 hex digits, from the clock and the system's random source.
std::string new_run_id();

// "fnv1a64:<16 hex digits>" of the text.
std::string text_digest(std::string_view text);

nlohmann::json to_json(const RunIdentity& identity);
Outcome<RunIdentity> run_identity_from_json(const nlohmann::json& j);

// One line per difference between the interrupted run (`stored`) and this one (`now`); empty when the run may be
// resumed.
std::vector<std::string> identity_differences(const RunIdentity& stored, const RunIdentity& now);

// How many times a measurement that broke (error, crashed, timed_out) is tried in all, across `--resume`s.
inline constexpr int kMaxAttempts = 3;

// The (measurement id, environment, rank) of every result already recorded. One that broke and has attempts left
// is not "contained": `--resume` runs it again, and the new record replaces it, carrying its history.
class RecordedResults {
 public:
  RecordedResults() = default;
  explicit RecordedResults(const std::vector<ResultRecord>& results);
  void add(const ResultRecord& r);
  [[nodiscard]] bool contains(const std::string& id, const std::string& environment, int rank) const;
  [[nodiscard]] bool contains(const ResultRecord& r) const;
  [[nodiscard]] bool empty() const { return keys_.empty(); }

 private:
  std::map<std::tuple<std::string, std::string, int>, bool> keys_;  // -> final (not to be tried again)
};

// `fresh` as the next attempt of `earlier` (same measurement, environment and rank, which broke): it carries
// earlier's history and earlier itself as {"status", "message"}.
void carry_attempts(const ResultRecord& earlier, ResultRecord& fresh);

// The ranks that record a result of a measurement in one environment this time.
struct ExpectedResults {
  std::string environment;
  std::vector<int> ranks;
};

// Done: every expected (environment, rank) already has its record of `id`. Nothing expected is not done (running
// it again costs nothing and records nothing).
bool measurement_done(const std::string& id, const std::vector<ExpectedResults>& expected,
                      const RecordedResults& recorded);

// The decision as the root broadcasts it: one '1' (done, skipped) or '0' per measurement of the plan.
std::string encode_done(const std::vector<bool>& done);
// Empty when the text is not `size` characters of '0' and '1'.
std::vector<bool> decode_done(const std::string& text, std::size_t size);

}  // namespace gpucert::coordinator

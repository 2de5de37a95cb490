#include "resume.hpp"

#include <chrono>
#include <cstdio>
#include <random>

namespace gpucert::coordinator {

std::string text_digest(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits
  for (const unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("fnv1a64:") + hex;
}

std::string new_run_id() {
  std::random_device device;
  const auto clock = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  const std::uint64_t mixed = (static_cast<std::uint64_t>(device()) << 32 | device()) ^ clock;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(mixed));
  return hex;
}

nlohmann::json to_json(const RunIdentity& identity) {
  return nlohmann::json{
      {"format", kRunIdentityFormat},
      {"run", identity.run_id},
      {"plan", identity.plan},
      {"verdict_inputs", identity.verdict_inputs},
      {"suite_document", identity.suite_document},
      {"options", identity.options},
      {"suite", {{"name", identity.suite_name}, {"source", identity.suite_source}, {"digest", identity.suite_digest}}},
      {"seed", identity.seed},
      {"ranks", identity.ranks},
      {"rounds", identity.rounds},
      {"environments", identity.environments},
      {"gpucert", identity.gpucert_version},
      {"command", identity.command},
      {"started", identity.started}};
}

Outcome<RunIdentity> run_identity_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return GPUCERT_ERROR("expected a JSON object");
  if (!j.contains("format") || !j["format"].is_number_integer() || j["format"].get<int>() != kRunIdentityFormat)
    return GPUCERT_ERROR("format " + (j.contains("format") ? j["format"].dump() : std::string("missing")) +
                         "; this gpucert reads " + std::to_string(kRunIdentityFormat));
  try {
    RunIdentity id;
    const auto& suite = j.at("suite");
    id.suite_name = suite.at("name").get<std::string>();
    id.suite_source = suite.at("source").get<std::string>();
    id.suite_digest = suite.at("digest").get<std::string>();
    id.seed = j.at("seed").get<std::uint64_t>();
    id.ranks = j.at("ranks").get<int>();
    id.rounds = j.at("rounds").get<int>();
    id.environments = j.at("environments").get<std::vector<std::string>>();
    id.gpucert_version = j.value("gpucert", std::string{});
    id.command = j.value("command", std::string{});
    id.started = j.value("started", std::string{});
    id.run_id = j.value("run", std::string{});
    id.plan = j.value("plan", std::vector<std::string>{});
    id.verdict_inputs = j.value("verdict_inputs", nlohmann::json());
    id.suite_document = j.value("suite_document", nlohmann::json());
    id.options = j.value("options", nlohmann::json::object());
    return id;
  } catch (const nlohmann::json::exception& e) {
    return GPUCERT_ERROR(std::string("a field is missing or of the wrong type: ") + e.what());
  }
}

std::vector<std::string> identity_differences(const RunIdentity& stored, const RunIdentity& now) {
  std::vector<std::string> out;
  const auto describe = [](const RunIdentity& r) { return "'" + r.suite_name + "' from " + r.suite_source; };
  if (stored.suite_digest != now.suite_digest)
    out.push_back("the suite differs: it was " + describe(stored) + " (" + stored.suite_digest + "), now " +
                  describe(now) + " (" + now.suite_digest + ")");
  if (stored.seed != now.seed)
    out.push_back("--seed differs: it was " + std::to_string(stored.seed) + ", now " + std::to_string(now.seed));
  if (stored.ranks != now.ranks)
    out.push_back("the rank count differs: it ran on " + std::to_string(stored.ranks) + " rank(s), now " +
                  std::to_string(now.ranks));
  if (stored.rounds != now.rounds)
    out.push_back("--rounds differs: it was " + std::to_string(stored.rounds) + ", now " + std::to_string(now.rounds));
  if (stored.environments != now.environments) {
    const auto list = [](const std::vector<std::string>& e) {
      std::string s = "native";
      for (const auto& name : e) s += ", " + name;
      return s;
    };
    out.push_back("the environments differ: they were " + list(stored.environments) + "; now " +
                  list(now.environments));
  }
  return out;
}

RecordedResults::RecordedResults(const std::vector<ResultRecord>& results) {
  for (const auto& r : results) add(r);
}

void RecordedResults::add(const ResultRecord& r) {
  const bool final = !broke(r.reply.status) || 1 + static_cast<int>(r.earlier_attempts.size()) >= kMaxAttempts;
  keys_[{r.measurement.id, r.environment, r.placement.rank}] = final;
}

bool RecordedResults::contains(const std::string& id, const std::string& environment, int rank) const {
  const auto it = keys_.find({id, environment, rank});
  return it != keys_.end() && it->second;
}

void carry_attempts(const ResultRecord& earlier, ResultRecord& fresh) {
  fresh.earlier_attempts = earlier.earlier_attempts;
  fresh.earlier_attempts.push_back({{"status", name_of(earlier.reply.status)}, {"message", earlier.reply.message}});
}

bool RecordedResults::contains(const ResultRecord& r) const {
  return contains(r.measurement.id, r.environment, r.placement.rank);
}

bool measurement_done(const std::string& id, const std::vector<ExpectedResults>& expected,
                      const RecordedResults& recorded) {
  bool any = false;
  for (const auto& e : expected)
    for (const int rank : e.ranks) {
      if (!recorded.contains(id, e.environment, rank)) return false;
      any = true;
    }
  return any;
}

std::string encode_done(const std::vector<bool>& done) {
  std::string text;
  for (const bool d : done) text += d ? '1' : '0';
  return text;
}

std::vector<bool> decode_done(const std::string& text, std::size_t size) {
  if (text.size() != size || text.find_first_not_of("01") != std::string::npos) return {};
  std::vector<bool> done;
  for (const char c : text) done.push_back(c == '1');
  return done;
}

}  // namespace gpucert::coordinator

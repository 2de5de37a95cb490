#include "run_folder.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <string_view>
#include <thread>
#include <set>
#include <unordered_map>
#include <sstream>
#include <tuple>
#include <type_traits>

#include "core/outliers.hpp"
#include "core/result_line.hpp"
#include "json_skim.hpp"
#include "report_files.hpp"

namespace gpucert::reports {
namespace {

namespace fs = std::filesystem;

// Refused before it is read whole: no output folder of a real run comes near it.
constexpr std::size_t kMaxFileBytes = std::size_t{1} << 30;

Outcome<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return GPUCERT_ERROR("cannot read " + path.string());
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxFileBytes)
    return GPUCERT_ERROR(path.string() + " holds " + std::to_string(size >> 20) + " MiB, more than the " +
                         std::to_string(kMaxFileBytes >> 20) + " MiB gpucert reads from one file");
  std::string text(ec ? std::size_t{1} << 20 : static_cast<std::size_t>(size) + 1, '\0');
  std::size_t used = 0;
  for (;;) {
    in.read(text.data() + used, static_cast<std::streamsize>(text.size() - used));
    used += static_cast<std::size_t>(in.gcount());
    if (!in) break;
    if (text.size() > kMaxFileBytes)
      return GPUCERT_ERROR(path.string() + " holds more than the " + std::to_string(kMaxFileBytes >> 20) +
                           " MiB gpucert reads from one file");
    text.resize(text.size() * 2);
  }
  text.resize(used);
  return text;
}

Outcome<nlohmann::json> read_json(const fs::path& path) {
  auto text = read_text(path);
  if (!text) return text.error();
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return GPUCERT_ERROR(path.string() + " is not valid JSON");
  return j;
}

// Every element of `array` read by `parse`; the first that fails is named by its kind and index.
template <typename Record, typename Parse>
Outcome<std::vector<Record>> records_from_json(const nlohmann::json& array, const std::string& where,
                                               const std::string& kind, Parse parse) {
  if (!array.is_array()) return GPUCERT_ERROR(where + ": expected an array of " + kind + " records");
  std::vector<Record> out;
  for (std::size_t i = 0; i < array.size(); ++i) {
    auto r = parse(array[i]);
    if (!r) return GPUCERT_ERROR(where + ": " + kind + " record " + std::to_string(i) + ": " + r.error().message);
    out.push_back(std::move(*r));
  }
  return out;
}

Outcome<std::vector<RankRecord>> ranks_from_json(const nlohmann::json& array, const std::string& where) {
  return records_from_json<RankRecord>(array, where, "rank", rank_record_from_json);
}

Outcome<std::vector<EnvironmentRecord>> environments_from_json(const nlohmann::json& array, const std::string& where) {
  return records_from_json<EnvironmentRecord>(array, where, "environment", environment_record_from_json);
}

// Suite, build, command and times of a report.json; the rest of `run` is left alone.
void read_metadata(const nlohmann::json& j, RunRecord& run) {
  const auto object = [&](const char* key) {
    return j.contains(key) && j[key].is_object() ? j[key] : nlohmann::json::object();
  };
  const auto text = [](const nlohmann::json& o, const char* key) {
    return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string{};
  };
  const auto build = object("gpucert"), suite = object("suite");
  run.build.version = text(build, "version");
  run.build.git = text(build, "git");
  run.build.cuda_build_version = parse_cuda_version(text(build, "cuda_build"));
  run.build.architectures = text(build, "cuda_architectures");
  run.suite_name = text(suite, "name");
  run.suite_source = text(suite, "source");
  run.command = text(j, "command");
  run.started = text(j, "started");
  run.finished = text(j, "finished");
  run.run_id = text(j, "run");
  run.interrupted = text(object("verdict"), "interrupted");
  if (j.contains("plan") && j["plan"].is_array())
    for (const auto& id : j["plan"])
      if (id.is_string()) run.plan.push_back(id.get<std::string>());
  if (j.contains("verdict_inputs"))
    if (auto inputs = verdict_inputs_from_json(j["verdict_inputs"])) run.verdict_inputs = std::move(*inputs);
  if (j.contains("warnings") && j["warnings"].is_array())
    for (const auto& w : j["warnings"])
      if (w.is_string()) run.warnings.push_back(w.get<std::string>());
}

// What run.json (written when the run starts) says of it: suite, command, start, id, plan, verdict inputs. Taken
// where report.json (written at the end) does not say it.
void read_run_json(const nlohmann::json& j, RunRecord& run) {
  if (!j.is_object()) return;
  const auto text = [&](const nlohmann::json& o, const char* key) {
    return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string{};
  };
  const auto suite = j.contains("suite") && j["suite"].is_object() ? j["suite"] : nlohmann::json::object();
  if (run.suite_name.empty()) run.suite_name = text(suite, "name");
  if (run.suite_source.empty()) run.suite_source = text(suite, "source");
  if (run.command.empty()) run.command = text(j, "command");
  if (run.started.empty()) run.started = text(j, "started");
  if (run.run_id.empty()) run.run_id = text(j, "run");
  if (run.plan.empty() && j.contains("plan") && j["plan"].is_array())
    for (const auto& id : j["plan"])
      if (id.is_string()) run.plan.push_back(id.get<std::string>());
  if (!run.verdict_inputs && j.contains("verdict_inputs"))
    if (auto inputs = verdict_inputs_from_json(j["verdict_inputs"])) run.verdict_inputs = std::move(*inputs);
}

// The results of this run, once each: a line of another run (its id differs), of a rank the run does not have, or
// a second record of a measurement already recorded is skipped and named; a record that takes the place of an
// attempt that broke (it carries that attempt in its history) replaces it.
void reconcile_results(RunRecord& run, std::vector<std::string>& warnings) {
  std::set<int> ranks;
  for (const auto& r : run.ranks) ranks.insert(r.placement.rank);
  // A rank runs one measurement once per communicator: a collective split per node pair meets it in several.
  // Records are compared by a hash of that key first (a cluster's log has millions), then in full, and kept in
  // place: no second table of records.
  const auto same_key = [](const ResultRecord& a, const ResultRecord& b) {
    return a.placement.rank == b.placement.rank && a.measurement.id == b.measurement.id &&
           a.environment == b.environment && declared_hosts(a) == declared_hosts(b);
  };
  const auto hash_of = [](const ResultRecord& r) {
    std::size_t h = std::hash<std::string>{}(r.measurement.id);
    const auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
    mix(std::hash<std::string>{}(r.environment));
    mix(std::hash<int>{}(r.placement.rank));
    for (const auto& host : declared_hosts(r)) mix(std::hash<std::string>{}(host));
    return h;
  };
  std::unordered_multimap<std::size_t, std::size_t> seen;
  seen.reserve(run.results.size());
  std::size_t kept = 0;
  std::size_t foreign = 0, unknown_rank = 0, duplicates = 0;
  std::set<std::string> foreign_ids;
  std::set<int> unknown_ranks;
  for (auto& r : run.results) {
    if (!run.run_id.empty() && !r.run_id.empty() && r.run_id != run.run_id) {
      ++foreign;
      foreign_ids.insert(r.run_id);
      continue;
    }
    if (!ranks.empty() && !ranks.count(r.placement.rank)) {
      ++unknown_rank;
      unknown_ranks.insert(r.placement.rank);
      continue;
    }
    const auto hash = hash_of(r);
    const auto [first, last] = seen.equal_range(hash);
    const auto earlier_at =
        std::find_if(first, last, [&](const auto& e) { return same_key(run.results[e.second], r); });
    if (earlier_at != last) {
      auto& earlier = run.results[earlier_at->second];
      if (broke(earlier.reply.status) && r.earlier_attempts.size() > earlier.earlier_attempts.size()) {
        earlier = std::move(r);
      } else {
        ++duplicates;
      }
      continue;
    }
    seen.emplace(hash, kept);
    // `kept` never passes the record being read, so this moves a record forward onto a place already read.
    if (&run.results[kept] != &r) run.results[kept] = std::move(r);
    ++kept;
  }
  run.results.resize(kept);
  const auto list = [](const auto& values) {
    std::string s;
    for (const auto& v : values) {
      if (!s.empty()) s += ", ";
      if constexpr (std::is_same_v<std::decay_t<decltype(v)>, int>)
        s += std::to_string(v);
      else
        s += v;
    }
    return s;
  };
  if (foreign)
    warnings.push_back(std::to_string(foreign) + " result line(s) of another run (" + list(foreign_ids) +
                       ", not this run's " + run.run_id + ") skipped: results.jsonl mixes runs");
  if (unknown_rank)
    warnings.push_back(std::to_string(unknown_rank) + " result line(s) of rank(s) " + list(unknown_ranks) +
                       ", which this run of " + std::to_string(run.ranks.size()) + " rank(s) does not have, skipped");
  if (duplicates)
    warnings.push_back(std::to_string(duplicates) +
                       " duplicate result line(s) (a measurement recorded twice on one rank and environment) skipped; "
                       "the first record of each kept");
}

// JSON that ends before it is complete (the error is at its very end): a line a crash cut short.
bool cut_short(const std::string& line) {
  try {
    const auto parsed = nlohmann::json::parse(line);
    (void)parsed;
  } catch (const nlohmann::json::parse_error& e) {
    return e.byte >= line.size();
  } catch (const nlohmann::json::exception&) {
    return false;  // out_of_range: a whole number no double holds ("1e400"), not a line cut short
  }
  return false;
}

// One line of results.jsonl, parsed on any thread; what it means is decided in order, on one.
struct ParsedLine {
  std::string_view text;
  bool discarded = false;  // not JSON
  std::optional<Outcome<ResultRecord>> record;
};

void parse_lines(std::vector<ParsedLine>& lines) {
  // Parsing is most of reading a cluster's log, and each line stands alone: every core takes a share.
  const auto threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  const auto share = (lines.size() + threads - 1) / threads;
  auto parse_range = [&lines](std::size_t begin, std::size_t end) {
    for (auto i = begin; i < end; ++i) {
      auto& line = lines[i];
      try {  // nothing may escape a thread: it would end the process
        // The lines gpucert writes are read without a tree of each (result_line.hpp); any other line, and every
        // line that is wrong, the slow way, which says what is wrong with it.
        if (auto fast = read_result_line(line.text)) {
          line.record = std::move(*fast);
          continue;
        }
        auto j = nlohmann::json::parse(line.text, nullptr, false);
        line.discarded = j.is_discarded();
        line.record =
            line.discarded ? Outcome<ResultRecord>(GPUCERT_ERROR("not a JSON line")) : result_from_json(std::move(j));
      } catch (const std::exception& e) {
        line.record = Outcome<ResultRecord>(GPUCERT_ERROR(std::string("unreadable: ") + e.what()));
      }
    }
  };
  if (threads == 1 || lines.size() < 1024) return parse_range(0, lines.size());
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t < threads; ++t)
    workers.emplace_back(parse_range, std::min(lines.size(), t * share), std::min(lines.size(), (t + 1) * share));
  parse_range(0, std::min(lines.size(), share));
  for (auto& w : workers) w.join();
}

// results.jsonl, block by block: a cluster's log may hold gigabytes, so it is never one string, and no line may
// be longer than kMaxLineBytes (a log that is not one, or a line without its end).
Status read_results_log(const fs::path& log_path, FolderRun& out) {
  constexpr std::size_t kBlockBytes = std::size_t{32} << 20, kMaxLineBytes = std::size_t{64} << 20;
  std::ifstream in(log_path, std::ios::binary);
  if (!in) return GPUCERT_ERROR("cannot read " + log_path.string());
  std::string text;  // the unfinished line of the last block, then this block
  std::size_t line_number = 0;
  for (bool at_end = false; !at_end;) {
    const auto kept = text.size();
    text.resize(kept + kBlockBytes);
    in.read(text.data() + kept, static_cast<std::streamsize>(kBlockBytes));
    text.resize(kept + static_cast<std::size_t>(in.gcount()));
    at_end = !in;
    if (in.bad()) return GPUCERT_ERROR("cannot read " + log_path.string());
    // Whole lines only; at the end, the rest too, a line without its newline.
    const auto last_newline = text.rfind('\n');
    const auto whole = at_end ? text.size() : last_newline == std::string::npos ? 0 : last_newline + 1;
    if (!at_end && whole == 0 && text.size() > kMaxLineBytes)
      return GPUCERT_ERROR(log_path.string() + ":" + std::to_string(line_number + 1) + ": a line longer than " +
                           std::to_string(kMaxLineBytes >> 20) + " MiB: not a results log gpucert wrote");
    std::vector<ParsedLine> lines;
    for (std::size_t start = 0; start < whole;) {
      const auto end = std::min(whole, text.find('\n', start));
      lines.push_back({std::string_view(text).substr(start, end - start), false, std::nullopt});
      start = end + 1;
    }
    parse_lines(lines);
    // Room for every record at once, from the first block's line length: growing a table of millions of records
    // step by step moves each of them many times.
    if (line_number == 0 && !lines.empty()) {
      std::error_code ec;
      const auto bytes = fs::file_size(log_path, ec);
      if (!ec)
        out.run.results.reserve(out.run.results.size() +
                                bytes / std::max<std::size_t>(1, whole / lines.size()) * 21 / 20);
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
      ++line_number;
      auto& line = lines[i];
      if (line.text.empty()) continue;
      // Every line is written whole and then a newline: only the last one can be cut short, by a crash.
      const bool last = at_end && i + 1 == lines.size() && text.back() != '\n';
      const auto where = log_path.string() + ":" + std::to_string(line_number);
      auto& record = *line.record;
      if (!record && !last && line.discarded && cut_short(std::string(line.text))) {
        // A crash cut this line short, and `gpucert run --resume` went on appending after it (results_log.hpp).
        out.warnings.push_back(where + ": skipped a line cut short by an interrupted run");
        continue;
      }
      if (!record) {
        if (last) {
          out.warnings.push_back(where + ": skipped a last line cut short (" + record.error().message + ")");
          break;
        }
        return GPUCERT_ERROR(where + ": " + record.error().message);
      }
      out.run.results.push_back(std::move(*record));
    }
    text.erase(0, whole);
  }
  return ok_status();
}

}  // namespace

int parse_cuda_version(const std::string& text) {
  int major = 0, minor = 0;
  char dot = 0, rest = 0;
  std::istringstream in(text);
  if (!(in >> major >> dot >> minor) || dot != '.' || (in >> rest) || major <= 0 || minor < 0 || minor > 99) return 0;
  return major * 1000 + minor * 10;
}

Status write_ranks(const std::vector<RankRecord>& ranks, const fs::path& dir) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& r : ranks) array.push_back(to_json(r));
  return write_file_atomically(dir / "ranks.json", json_text(array, 2));
}

Status write_environments(const std::vector<EnvironmentRecord>& environments, const fs::path& dir) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& e : environments) array.push_back(to_json(e));
  return write_file_atomically(dir / "environments.json", json_text(array, 2));
}

Outcome<RunRecord> run_from_report_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("schema_version") || !j.contains("ranks") || !j.contains("results"))
    return GPUCERT_ERROR("not a gpucert report.json (it needs schema_version, ranks and results)");
  if (!j["schema_version"].is_number_integer() || j["schema_version"].get<int>() != kReportSchemaVersion)
    return GPUCERT_ERROR("report.json has schema_version " + j["schema_version"].dump() + "; this gpucert reads " +
                         std::to_string(kReportSchemaVersion));
  RunRecord run;
  read_metadata(j, run);
  auto ranks = ranks_from_json(j.value("ranks", nlohmann::json::array()), "ranks");
  if (!ranks) return ranks.error();
  run.ranks = std::move(*ranks);
  if (j.contains("environments")) {
    auto environments = environments_from_json(j["environments"], "environments");
    if (!environments) return environments.error();
    run.environments = std::move(*environments);
  }
  const auto results = j.value("results", nlohmann::json::array());
  if (!results.is_array()) return GPUCERT_ERROR("results: expected an array");
  for (std::size_t i = 0; i < results.size(); ++i) {
    auto r = result_from_json(results[i]);
    if (!r) return GPUCERT_ERROR("results[" + std::to_string(i) + "]: " + r.error().message);
    run.results.push_back(std::move(*r));
  }
  if (j.contains("checks") && j["checks"].is_array())
    for (std::size_t i = 0; i < j["checks"].size(); ++i) {
      auto c = check_from_json(j["checks"][i]);
      if (!c) return GPUCERT_ERROR("checks[" + std::to_string(i) + "]: " + c.error().message);
      run.checks.push_back(std::move(*c));
    }
  return run;
}

// report.json for its metadata: its rank, result and check tables are skimmed over, never parsed and never
// held (json_skim.hpp), unless the folder has no ranks.json to take the rank table from. Read in blocks, so a
// cluster's report.json of gigabytes costs one pass over its bytes.
Outcome<nlohmann::json> read_report_metadata(const fs::path& path, bool with_ranks) {
  std::set<std::string, std::less<>> dropped{"results", "checks", "nccl", "peers"};
  if (!with_ranks) dropped.insert("ranks");
  JsonSkim skim(std::move(dropped));
  std::ifstream in(path, std::ios::binary);
  if (!in) return GPUCERT_ERROR("cannot read " + path.string());
  std::string block(std::size_t{16} << 20, '\0');
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    skim.feed(std::string_view(block.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) return GPUCERT_ERROR("cannot read " + path.string());
  auto j = nlohmann::json::parse(skim.kept(), nullptr, false);
  if (j.is_discarded()) return GPUCERT_ERROR(path.string() + " is not valid JSON");
  return j;
}

Outcome<FolderRun> read_run_folder(const fs::path& dir) {
  FolderRun out;
  std::optional<nlohmann::json> report;
  if (fs::exists(dir / "report.json")) {
    auto j = read_report_metadata(dir / "report.json", !fs::exists(dir / "ranks.json"));
    if (j && j->is_object()) {
      read_metadata(*j, out.run);
      report = std::move(*j);
    } else {
      out.warnings.push_back((dir / "report.json").string() + " is unreadable; suite and times are unknown");
    }
  } else if (fs::exists(dir / "run.json")) {
    // A run that stopped before its report: run.json names its suite, command and start (resume.hpp).
    if (auto j = read_json(dir / "run.json"); j && j->is_object()) read_metadata(*j, out.run);
  }

  if (fs::exists(dir / "ranks.json")) {
    auto j = read_json(dir / "ranks.json");
    if (!j) return j.error();
    auto ranks = ranks_from_json(*j, (dir / "ranks.json").string());
    if (!ranks) return ranks.error();
    out.run.ranks = std::move(*ranks);
  } else if (report && report->contains("ranks")) {
    auto ranks = ranks_from_json((*report)["ranks"], (dir / "report.json").string() + ": ranks");
    if (!ranks) return ranks.error();
    out.run.ranks = std::move(*ranks);
    out.warnings.push_back("no ranks.json: the rank table comes from report.json");
  } else {
    return GPUCERT_ERROR((dir / "ranks.json").string() +
                         " is missing, and there is no report.json to take the rank table from: is this a gpucert "
                         "output folder?");
  }

  if (fs::exists(dir / "environments.json")) {
    auto j = read_json(dir / "environments.json");
    if (!j) return j.error();
    auto environments = environments_from_json(*j, (dir / "environments.json").string());
    if (!environments) return environments.error();
    out.run.environments = std::move(*environments);
  } else if (report && report->contains("environments")) {
    auto environments = environments_from_json((*report)["environments"], (dir / "report.json").string());
    if (!environments) return environments.error();
    out.run.environments = std::move(*environments);
  }

  if (fs::exists(dir / "run.json"))
    if (auto j = read_json(dir / "run.json")) read_run_json(*j, out.run);

  const auto log_path = dir / "results.jsonl";
  if (auto read = read_results_log(log_path, out); !read) return read.error();
  std::vector<std::string> anomalies;
  reconcile_results(out.run, anomalies);
  for (const auto& a : anomalies) out.warnings.push_back((dir / "results.jsonl").string() + ": " + a);
  // What was skipped is part of the record: the reports say it, not only the terminal.
  out.run.warnings = anomalies;
  return out;
}

Outcome<FolderRun> read_run(const fs::path& folder_or_report) {
  std::error_code ec;
  if (fs::is_directory(folder_or_report, ec)) {
    if (!fs::exists(folder_or_report / "report.json")) return read_run_folder(folder_or_report);
    return read_run(folder_or_report / "report.json");
  }
  if (!fs::exists(folder_or_report, ec)) return GPUCERT_ERROR(folder_or_report.string() + " does not exist");
  auto j = read_json(folder_or_report);
  if (!j) return j.error();
  auto run = run_from_report_json(*j);
  if (!run) return GPUCERT_ERROR(folder_or_report.string() + ": " + run.error().message);
  return FolderRun{std::move(*run), {}};
}

}  // namespace gpucert::reports

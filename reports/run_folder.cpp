#include "run_folder.hpp"

#include <fstream>
#include <sstream>

#include "report_files.hpp"

namespace gpucert::reports {
namespace {

namespace fs = std::filesystem;

Outcome<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return GPUCERT_ERROR("cannot read " + path.string());
  // One read of the whole file: a cluster's results.jsonl is hundreds of megabytes.
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  std::string text;
  if (!ec) {
    text.resize(static_cast<std::size_t>(size));
    in.read(text.data(), static_cast<std::streamsize>(size));
    text.resize(static_cast<std::size_t>(in.gcount()));
  }
  // Whatever the size said (a file still growing), read on to its end.
  std::ostringstream rest;
  rest << in.rdbuf();
  return text + rest.str();
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
}

// JSON that ends before it is complete (the error is at its very end): a line a crash cut short.
bool cut_short(const std::string& line) {
  try {
    const auto parsed = nlohmann::json::parse(line);
    (void)parsed;
  } catch (const nlohmann::json::parse_error& e) {
    return e.byte >= line.size();
  }
  return false;
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

// report.json for its metadata: its rank, result and check tables are dropped while parsing (at cluster
// scale they are most of the file) unless the folder has no ranks.json to take the rank table from.
Outcome<nlohmann::json> read_report_metadata(const fs::path& path, bool with_ranks) {
  auto text = read_text(path);
  if (!text) return text.error();
  const nlohmann::json::parser_callback_t keep = [with_ranks](int depth, nlohmann::json::parse_event_t event,
                                                              nlohmann::json& parsed) {
    if (depth != 1 || event != nlohmann::json::parse_event_t::key) return true;
    const auto& key = parsed.get_ref<const std::string&>();
    return !(key == "results" || key == "checks" || key == "nccl" || key == "peers" || (key == "ranks" && !with_ranks));
  };
  auto j = nlohmann::json::parse(*text, keep, false);
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

  const auto log_path = dir / "results.jsonl";
  auto text = read_text(log_path);
  if (!text) return text.error();
  std::size_t start = 0, line_number = 0;
  while (start < text->size()) {
    ++line_number;
    const auto end = text->find('\n', start);
    const bool last = end == std::string::npos;
    const auto line = text->substr(start, last ? std::string::npos : end - start);
    start = last ? text->size() : end + 1;
    if (line.empty()) continue;
    const auto where = log_path.string() + ":" + std::to_string(line_number);
    auto j = nlohmann::json::parse(line, nullptr, false);
    auto record = j.is_discarded() ? Outcome<ResultRecord>(GPUCERT_ERROR("not a JSON line")) : result_from_json(j);
    if (!record && !last && j.is_discarded() && cut_short(line)) {
      // A crash cut this line short, and `gpucert run --resume` went on appending after it (results_log.hpp).
      out.warnings.push_back(where + ": skipped a line cut short by an interrupted run");
      continue;
    }
    if (!record) {
      // Every line is written whole and then a newline: only the last one can be cut short, by a crash.
      if (last) {
        out.warnings.push_back(where + ": skipped a last line cut short (" + record.error().message + ")");
        break;
      }
      return GPUCERT_ERROR(where + ": " + record.error().message);
    }
    out.run.results.push_back(std::move(*record));
  }
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

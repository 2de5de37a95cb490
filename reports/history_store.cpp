#include "history_store.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <utility>

#include "core/json_fields.hpp"
#include "core/node_verdicts.hpp"

namespace gpucert::reports {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, source TEXT, suite TEXT, started TEXT, finished TEXT,
  command TEXT, gpucert TEXT, exit_code INTEGER, verdict TEXT, slurm_job TEXT, ranks INTEGER, loaded TEXT);
CREATE TABLE IF NOT EXISTS results(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, environment TEXT, measurement TEXT, workload TEXT,
  rank INTEGER, host TEXT, device_uuid TEXT, device_name TEXT, status TEXT, unit TEXT, median REAL, best REAL,
  cv REAL, busbw REAL);
CREATE INDEX IF NOT EXISTS results_by_host ON results(host, measurement);
CREATE INDEX IF NOT EXISTS results_by_run ON results(run);
CREATE TABLE IF NOT EXISTS checks(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, name TEXT, environment TEXT, subject TEXT,
  rank INTEGER, verdict TEXT, evidence TEXT);
CREATE INDEX IF NOT EXISTS checks_by_run ON checks(run);
CREATE TABLE IF NOT EXISTS nodes(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, host TEXT, verdict TEXT, reasons TEXT);
CREATE INDEX IF NOT EXISTS nodes_by_host ON nodes(host);
)sql";

// A prepared statement, finalised when it goes.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Statement() { sqlite3_finalize(s_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  [[nodiscard]] bool ready() const { return s_ != nullptr; }
  Statement& text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& integer(int i, long long v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Statement& real(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  Statement& null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // Runs a statement that returns no rows, and readies it for the next bindings.
  bool done() {
    const int rc = sqlite3_step(s_);
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    return rc == SQLITE_DONE;
  }
  bool row() { return sqlite3_step(s_) == SQLITE_ROW; }
  std::string column_text(int i) {
    const auto* p = sqlite3_column_text(s_, i);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  long long column_integer(int i) { return sqlite3_column_int64(s_, i); }
  double column_real(int i) { return sqlite3_column_double(s_, i); }

 private:
  sqlite3_stmt* s_ = nullptr;
};

std::string error_of(sqlite3* db) { return sqlite3_errmsg(db); }

}  // namespace

Outcome<HistoryStore> HistoryStore::open(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    const std::string message = db ? error_of(db) : "out of memory";
    sqlite3_close(db);
    return GPUCERT_ERROR("cannot open the history store " + file.string() + ": " + message);
  }
  sqlite3_busy_timeout(db, 10000);  // another loader of the same file waits instead of failing
  HistoryStore store(db);
  if (auto s = store.exec(kSchema); !s)
    return GPUCERT_ERROR(file.string() + " is not a gpucert history store: " + s.error().message);
  return store;
}

HistoryStore::HistoryStore(HistoryStore&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
HistoryStore& HistoryStore::operator=(HistoryStore&& other) noexcept {
  std::swap(db_, other.db_);
  return *this;
}
HistoryStore::~HistoryStore() { sqlite3_close(db_); }

Status HistoryStore::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : error_of(db_);
    sqlite3_free(message);
    return GPUCERT_ERROR(text);
  }
  return ok_status();
}

Outcome<long long> HistoryStore::add(const RunRecord& run, const std::string& source) {
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return GPUCERT_ERROR("history store: " + s.error().message);
  auto fail = [&](const std::string& what) -> Outcome<long long> {
    const std::string message = "history store: " + what + ": " + error_of(db_);
    (void)exec("ROLLBACK");
    return GPUCERT_ERROR(message);
  };
  const auto job = scheduler_job(run);
  // Jobs of several scalable units start in the same second with the same command: their nodes tell them apart.
  const std::string key = run.started + "\n" + run.suite_name + "\n" + run.command + "\n" + job.value("job_id", "") +
                          "\n" + std::to_string(run.ranks.size()) + "\n" +
                          (run.ranks.empty() ? std::string() : run.ranks.front().placement.host);
  {
    Statement remove(db_, "DELETE FROM runs WHERE key = ?");
    if (!remove.ready() || !remove.text(1, key).done()) return fail("replacing the run");
  }
  Statement insert_run(db_,
                       "INSERT INTO runs(key, source, suite, started, finished, command, gpucert, exit_code, verdict, "
                       "slurm_job, ranks, loaded) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!insert_run.ready()) return fail("preparing");
  insert_run.text(1, key).text(2, source).text(3, run.suite_name).text(4, run.started).text(5, run.finished);
  insert_run.text(6, run.command).text(7, run.build.version).integer(8, run.exit_code()).text(9, run.verdict());
  insert_run.text(10, job.value("job_id", "")).integer(11, static_cast<long long>(run.ranks.size()));
  insert_run.text(12, utc_timestamp());
  if (!insert_run.done()) return fail("adding the run");
  const long long id = sqlite3_last_insert_rowid(db_);

  Statement result(db_,
                   "INSERT INTO results(run, environment, measurement, workload, rank, host, device_uuid, device_name, "
                   "status, unit, median, best, cv, busbw) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!result.ready()) return fail("preparing");
  for (const auto& r : run.results) {
    result.integer(1, id).text(2, r.environment).text(3, r.measurement.id).text(4, r.measurement.workload);
    result.integer(5, r.placement.rank).text(6, r.placement.host).text(7, r.placement.device_uuid);
    result.text(8, r.placement.device_name).text(9, std::string(name_of(r.reply.status)));
    result.text(10, std::string(unit_of(r.measurement.metric)));
    if (r.figures)
      result.real(11, r.figures->at_median).real(12, r.figures->best);
    else
      result.null(11).null(12);
    if (r.time)
      result.real(13, r.time->cv);
    else
      result.null(13);
    if (r.bus_figures)
      result.real(14, r.bus_figures->at_median);
    else
      result.null(14);
    if (!result.done()) return fail("adding a result");
  }
  Statement check(db_,
                  "INSERT INTO checks(run, name, environment, subject, rank, verdict, evidence) "
                  "VALUES(?,?,?,?,?,?,?)");
  if (!check.ready()) return fail("preparing");
  for (const auto& c : run.checks)
    if (!check.integer(1, id)
             .text(2, c.name)
             .text(3, c.environment)
             .text(4, c.subject)
             .integer(5, c.rank)
             .text(6, std::string(name_of(c.verdict)))
             .text(7, c.evidence)
             .done())
      return fail("adding a check");
  Statement node(db_, "INSERT INTO nodes(run, host, verdict, reasons) VALUES(?,?,?,?)");
  if (!node.ready()) return fail("preparing");
  for (const auto& v : node_verdicts(run, *peers_of(run)))
    if (!node.integer(1, id).text(2, v.host).text(3, v.pass ? "pass" : "fail").text(4, join(v.reasons, "\n")).done())
      return fail("adding a node verdict");
  if (auto s = exec("COMMIT"); !s) return fail("committing");
  return id;
}

Outcome<std::vector<HistoryStore::RunRow>> HistoryStore::runs() {
  Statement q(db_,
              "SELECT id, suite, started, exit_code, verdict, slurm_job, ranks, source FROM runs ORDER BY "
              "started, id");
  if (!q.ready()) return GPUCERT_ERROR("history store: " + error_of(db_));
  std::vector<RunRow> out;
  while (q.row())
    out.push_back({q.column_integer(0), q.column_text(1), q.column_text(2), q.column_text(4), q.column_text(5),
                   q.column_text(7), static_cast<int>(q.column_integer(3)), static_cast<int>(q.column_integer(6))});
  return out;
}

Outcome<std::vector<HistoryStore::NodeFigure>> HistoryStore::node_history(const std::string& host,
                                                                          const std::string& prefix) {
  Statement q(db_,
              "SELECT runs.started, runs.suite, results.measurement, results.environment, results.device_uuid, "
              "results.unit, results.rank, COALESCE(results.busbw, results.median), results.cv FROM results "
              "JOIN runs ON runs.id = results.run WHERE results.host = ? AND substr(results.measurement, 1, ?) = ? "
              "AND results.median IS NOT NULL ORDER BY results.measurement, results.environment, "
              "results.device_uuid, runs.started, runs.id");
  if (!q.ready()) return GPUCERT_ERROR("history store: " + error_of(db_));
  q.text(1, host).integer(2, static_cast<long long>(prefix.size())).text(3, prefix);
  std::vector<NodeFigure> out;
  while (q.row())
    out.push_back({q.column_text(0), q.column_text(1), q.column_text(2), q.column_text(3), q.column_text(4),
                   q.column_text(5), static_cast<int>(q.column_integer(6)), q.column_real(7), q.column_real(8)});
  return out;
}

std::string render_node_history(const std::string& host, const std::vector<HistoryStore::NodeFigure>& rows) {
  if (rows.empty()) return "no figures of " + host + " in the store\n";
  std::string out = "Figures of " + host + " over its runs (median; busbw for NCCL), each against its first run:\n";
  std::string last;
  double first = 0;
  for (const auto& r : rows) {
    const std::string series = r.measurement + "\n" + r.environment + "\n" + r.device_uuid;
    if (series != last) {
      out += "\n" + r.measurement + (r.environment == "native" ? "" : " in " + r.environment) + ", rank " +
             std::to_string(r.rank) + " (" + r.device_uuid + "):\n";
      last = series;
      first = r.median;
    }
    char line[160];
    std::snprintf(line, sizeof line, "  %-22s %-12s %12.1f %-10s %7.3f  CV %5.2f%%\n", r.started.c_str(),
                  r.suite.c_str(), r.median, r.unit.c_str(), first > 0 ? r.median / first : 0.0, 100 * r.cv);
    out += line;
  }
  return out;
}

}  // namespace gpucert::reports

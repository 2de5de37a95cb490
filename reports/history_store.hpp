// A site's history of runs in one SQLite file (docs/CLUSTER.md, "Keeping history"): every run's facts, each
// result's headline figures per GPU and node, its checks and its node verdicts, so that a node's figures can be
// followed over its past runs and any question asked in SQL (`sqlite3 gpucert-history.sqlite`).
//
//   runs(id, key, source, suite, started, finished, command, gpucert, exit_code, verdict, slurm_job, ranks,
//        loaded)
//   results(run, environment, measurement, workload, rank, host, device_uuid, device_name, status, unit,
//           median, best, cv, busbw)
//   checks(run, name, environment, subject, rank, verdict, evidence)
//   nodes(run, host, verdict, reasons)
//
// Loading the same run again replaces it: a run is known by its start time, suite, command, Slurm job, rank count
// and first host.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/run_record.hpp"

struct sqlite3;

namespace gpucert::reports {

class HistoryStore {
 public:
  // Opens (creating when missing) the store and its tables.
  static Outcome<HistoryStore> open(const std::filesystem::path& file);
  HistoryStore(HistoryStore&&) noexcept;
  HistoryStore& operator=(HistoryStore&&) noexcept;
  ~HistoryStore();

  // One run, in one transaction; `source` says where it was read from. Returns the run's id in the store.
  Outcome<long long> add(const RunRecord& run, const std::string& source);

  struct RunRow {
    long long id = 0;
    std::string suite, started, verdict, slurm_job, source;
    int exit_code = 0, ranks = 0;
  };
  Outcome<std::vector<RunRow>> runs();

  // A node's figures over its runs, oldest first: one row per run, measurement and GPU, for measurements
  // whose id starts with `prefix` (empty: all).
  struct NodeFigure {
    std::string started, suite, measurement, environment, device_uuid, unit;
    int rank = 0;
    double median = 0, cv = 0;
  };
  Outcome<std::vector<NodeFigure>> node_history(const std::string& host, const std::string& prefix);

 private:
  explicit HistoryStore(sqlite3* db) : db_(db) {}
  Status exec(const std::string& sql);
  sqlite3* db_ = nullptr;
};

// `gpucert history node`'s table: per measurement and GPU, the median of each run and its ratio to the first.
std::string render_node_history(const std::string& host, const std::vector<HistoryStore::NodeFigure>& rows);

}  // namespace gpucert::reports

// What every report says first about a run: its verdict word and where it ran, one text per fact; and the
// tables of its conformance checks and container/native parity that report.md and report.html both draw.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/check.hpp"
#include "core/parity.hpp"
#include "core/run_record.hpp"

namespace gpucert::reports {

struct RunFacts {
  std::string hosts;     // "node-a, node-b"
  std::string drivers;   // "580.159.04 (CUDA 13.0)"
  std::string runtimes;  // "13.0"; each "unknown" when no rank said
};

RunFacts run_facts(const RunRecord& run);

// The rank table's record of `rank`, or null: constant time when the table is in rank order (as runs write
// it), so that a table of every result stays linear in the run.
const RankRecord* rank_record(const RunRecord& run, int rank);

// "PASSED", "FAILED" or "NOT RUN" for an exit code.
const char* verdict_word(int exit_code);

// How many checks of one name in one environment had each verdict; all zero: not checked there.
struct VerdictCounts {
  std::size_t pass = 0, fail = 0, waived = 0;
  [[nodiscard]] bool empty() const { return pass + fail + waived == 0; }
};

// Checks × environments: check names in the order they first appear, environments native first and then
// in the order they first appear; cells[i][j] counts names[i] in environments[j].
struct CheckMatrix {
  std::vector<std::string> names;
  std::vector<std::string> environments;
  std::vector<std::vector<VerdictCounts>> cells;
};

CheckMatrix check_matrix(const std::vector<Check>& checks);

// The checks a reader must look at: the failed ones, then the waived ones, each in the record's order.
std::vector<const Check*> checks_not_passed(const std::vector<Check>& checks);

// Whether any result ran in a container environment, so a results table must say where each ran.
bool has_container_results(const RunRecord& run);
// Whether a results table names each result's environment: some result ran in a container, or the run had
// container environments (whose results may all have failed to come).
bool results_name_environment(const RunRecord& run);

// One row of the container/native parity table: the estimate (core/parity.hpp) and the verdict of the
// record's performance-parity check of the same environment and workload, when the record holds one.
struct ParityRow {
  RatioEstimate estimate;
  std::optional<Verdict> verdict;
};

// Empty when no verified result ran in a container next to a native twin.
std::vector<ParityRow> parity_rows(const RunRecord& run);

}  // namespace gpucert::reports

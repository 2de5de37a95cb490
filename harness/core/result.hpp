// One measurement's outcome on one rank: what was asked, where it ran, every sample, the verification and
// the figures derived from them. Appended to results.jsonl as it arrives; report.json holds them all.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "measurement.hpp"
#include "protocol.hpp"
#include "statistics.hpp"

namespace gpucert {

struct Placement {
  int rank = 0;
  int local_rank = 0;
  std::string host;
  int device = -1;  // index in the worker's environment; -1 when the rank has no usable GPU
  std::string device_name;
  std::string device_uuid;
};

struct Figures {         // the headline figure, by the measurement's Metric
  double at_median = 0;  // work / median time: the figure reports quote
  double best = 0;       // work / min time (BabelStream's "max")
  double worst = 0;      // work / max time
};

struct ResultRecord {
  Measurement measurement;
  Placement placement;
  RunReply reply;
  std::optional<Summary> time;  // of reply.samples_s, when there are samples
  std::optional<Figures> figures;
  // nccl only: nccl-tests' busbw, the figures times the collective's correction (nccl_figures.hpp).
  std::optional<Figures> bus_figures;
  // Where it ran: "native", or the name of a container environment of the run (EnvironmentRecord::name).
  std::string environment = "native";
  // The run that measured it (run.json's "run"): a results.jsonl line of another run is recognised as such.
  // Empty in records written before runs had an id.
  std::string run_id;
  // Earlier attempts of the same measurement on the same rank and environment that broke (error, crashed,
  // timed_out), oldest first, each {"status", "message"}: `--resume` tried it again (docs/RELIABILITY.md).
  std::vector<nlohmann::json> earlier_attempts;
};

ResultRecord make_record(Measurement m, Placement where, RunReply reply);

// A result that counts against the run: verification failed or the run broke.
bool is_failure(const ResultRecord& r);

// A record gathered as a summary (its samples kept on its node, docs/CLUSTER.md) carries time_s without
// samples_s: its time and figures come from that summary, as make_record derives them from samples. Nothing
// changes for a record with samples, an empty summary, or one whose min, median and max are not in order.
void figures_from_summary(ResultRecord& r, const Summary& s);

nlohmann::json to_json(const ResultRecord& r);
Outcome<ResultRecord> result_from_json(const nlohmann::json& j);
// The same, taking the record's subtrees out of `j` instead of copying them.
Outcome<ResultRecord> result_from_json(nlohmann::json&& j);

}  // namespace gpucert

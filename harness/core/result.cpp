#include "result.hpp"

#include "json_fields.hpp"
#include "nccl_figures.hpp"

namespace gpucert {
namespace {

nlohmann::json to_json(const Summary& s) {
  return {{"count", s.count},   {"min", s.min}, {"max", s.max},       {"mean", s.mean},
          {"median", s.median}, {"p95", s.p95}, {"stddev", s.stddev}, {"cv", s.cv}};
}

// A record's time_s, read as a gathered summary (figures_from_summary in result.hpp).
void figures_from_time_json(ResultRecord& r, const nlohmann::json& time) {
  if (!r.reply.samples_s.empty() || !time.is_object() || whole_value(time, "count", std::size_t{0}) == 0) return;
  Summary s;
  s.count = whole_value(time, "count", std::size_t{0});
  s.min = time.value("min", 0.0);
  s.max = time.value("max", 0.0);
  s.mean = time.value("mean", 0.0);
  s.median = time.value("median", 0.0);
  s.p95 = time.value("p95", 0.0);
  s.stddev = time.value("stddev", 0.0);
  s.cv = time.value("cv", 0.0);
  figures_from_summary(r, s);
}

}  // namespace

void figures_from_summary(ResultRecord& r, const Summary& s) {
  if (!r.reply.samples_s.empty() || s.count == 0 || !(s.min > 0 && s.median >= s.min && s.max >= s.median)) return;
  const auto work = r.measurement.work;
  const auto metric = r.measurement.metric;
  r.time = s;
  r.figures = Figures{figure(metric, work, s.median), figure(metric, work, s.min), figure(metric, work, s.max)};
  if (const auto nccl = nccl_basis(r.measurement, r.reply.details))
    r.bus_figures = Figures{r.figures->at_median * nccl->busbw_factor, r.figures->best * nccl->busbw_factor,
                            r.figures->worst * nccl->busbw_factor};
}

ResultRecord make_record(Measurement m, Placement where, RunReply reply) {
  ResultRecord r{
      std::move(m), std::move(where), std::move(reply), std::nullopt, std::nullopt, std::nullopt, "native", {}, {}};
  // A collective's bytes depend on how many ranks took part, which only its reply says.
  const auto nccl = nccl_basis(r.measurement, r.reply.details);
  if (nccl) r.measurement.work = nccl->algbw_bytes;
  const auto work = r.measurement.work;
  if (!r.reply.samples_s.empty()) {
    r.time = summarize(r.reply.samples_s);
    const auto metric = r.measurement.metric;
    r.figures = Figures{figure(metric, work, r.time->median), figure(metric, work, r.time->min),
                        figure(metric, work, r.time->max)};
    if (nccl)
      r.bus_figures = Figures{r.figures->at_median * nccl->busbw_factor, r.figures->best * nccl->busbw_factor,
                              r.figures->worst * nccl->busbw_factor};
  }
  return r;
}

bool is_failure(const ResultRecord& r) { return r.reply.status == RunStatus::Failed || broke(r.reply.status); }

nlohmann::json to_json(const ResultRecord& r) {
  const auto& m = r.measurement;
  const auto& p = r.placement;
  nlohmann::json j = {
      {"id", m.id},
      {"workload", m.workload},
      {"params", m.params},
      {"warmup", m.warmup},
      {"repetitions", m.repetitions},
      {"work", m.work},
      {"metric", name_of(m.metric)},
      {"unit", unit_of(m.metric)},
      {"rank", p.rank},
      {"local_rank", p.local_rank},
      {"host", p.host},
      {"environment", r.environment},
      {"device", {{"index", p.device}, {"name", p.device_name}, {"uuid", p.device_uuid}}},
      {"status", name_of(r.reply.status)},
      {"verification", to_json(r.reply.verification)},
      {"message", r.reply.message},
      {"details", r.reply.details},
      {"samples_s", r.reply.samples_s},
      {"time_s", nullptr},
      {"figure", nullptr},
  };
  if (!r.run_id.empty()) j["run"] = r.run_id;
  if (!r.earlier_attempts.empty()) j["earlier_attempts"] = r.earlier_attempts;
  if (r.time) j["time_s"] = to_json(*r.time);
  if (r.figures)
    j["figure"] = {{"at_median", r.figures->at_median}, {"best", r.figures->best}, {"worst", r.figures->worst}};
  if (r.bus_figures)
    j["bus_figure"] = {
        {"at_median", r.bus_figures->at_median}, {"best", r.bus_figures->best}, {"worst", r.bus_figures->worst}};
  if (r.reply.telemetry) j["telemetry"] = to_json(*r.reply.telemetry);
  return j;
}

Outcome<ResultRecord> result_from_json(const nlohmann::json& j) { return result_from_json(nlohmann::json(j)); }

Outcome<ResultRecord> result_from_json(nlohmann::json&& j) {
  // The record's own subtrees (params, details, telemetry) are moved out of `j`, not copied: a cluster's log
  // has millions of records.
  const auto take = [&j](const char* key) {
    const auto it = j.find(key);
    return it == j.end() ? nlohmann::json() : std::move(*it);
  };
  static const nlohmann::json kNoObject = nlohmann::json::object();
  const auto object_at = [&j](const char* key) -> const nlohmann::json& {
    const auto it = j.find(key);
    return it != j.end() && it->is_object() ? *it : kNoObject;
  };
  try {
    Measurement m;
    m.id = j.at("id").get<std::string>();
    m.workload = j.at("workload").get<std::string>();
    m.params = take("params");
    // Reports and checks read the params' fields by name: anything but an object (or null, none) is a broken record.
    if (m.params.is_null()) m.params = nlohmann::json::object();
    if (!m.params.is_object())
      return GPUCERT_ERROR("result record whose params are not an object: " + j.at("id").dump());
    m.warmup = whole_value(j, "warmup", 0);
    m.repetitions = whole_value(j, "repetitions", 0);
    m.work = whole_value(j, "work", std::uint64_t{0});
    m.metric = j.value("metric", "bandwidth") == "throughput" ? Metric::Throughput : Metric::Bandwidth;
    Placement p;
    p.rank = whole_number<int>(j.at("rank"), "rank");
    p.local_rank = whole_value(j, "local_rank", 0);
    p.host = j.value("host", "");
    const auto& device = object_at("device");
    p.device = whole_value(device, "index", -1);
    p.device_name = device.value("name", "");
    p.device_uuid = device.value("uuid", "");
    RunReply reply;
    auto status = parse_run_status(j.at("status").get<std::string>());
    if (!status) return GPUCERT_ERROR("result record with unknown status: " + j.at("status").dump());
    reply.status = *status;
    reply.samples_s = j.value("samples_s", std::vector<double>{});
    reply.verification = verification_from_json(object_at("verification"));
    reply.message = j.value("message", "");
    reply.details = take("details");
    if (reply.details.is_null()) reply.details = nlohmann::json::object();
    if (const auto t = j.find("telemetry"); t != j.end() && t->is_object()) {
      auto telemetry = measurement_telemetry_from_json(*t);
      if (!telemetry) return telemetry.error();
      reply.telemetry = std::move(*telemetry);
    }
    auto record = make_record(std::move(m), std::move(p), std::move(reply));
    figures_from_time_json(record, object_at("time_s"));
    // Records written before results named their environment ran natively.
    record.environment = j.value("environment", std::string("native"));
    if (record.environment.empty()) return GPUCERT_ERROR("result record with an empty environment");
    record.run_id = j.value("run", std::string{});
    if (auto a = j.find("earlier_attempts"); a != j.end() && a->is_array())
      for (const auto& attempt : *a)
        if (attempt.is_object()) record.earlier_attempts.push_back(attempt);
    return record;
  } catch (const std::exception& e) {
    return GPUCERT_ERROR(std::string("malformed result record: ") + e.what());
  }
}

}  // namespace gpucert

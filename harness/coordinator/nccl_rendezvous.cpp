#include "nccl_rendezvous.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "test_faults.hpp"

namespace gpucert::coordinator {
namespace {

std::string rank_name(int rank, const std::string& host) { return "rank " + std::to_string(rank) + " on " + host; }

// Root: the id from its own worker, and whether the ranks should join. Broadcast as JSON.
nlohmann::json make_offer(const MpiWorld& world, const RankRecord& record, runtime::WorkerClient* worker,
                          const std::vector<RankRecord>& ranks, std::chrono::milliseconds worker_timeout) {
  NcclReply id;
  if (worker) {
    id = worker->nccl_id(worker_timeout);
  } else {
    id.message = "its worker is not running: " + record.problem;
  }
  if (!id.ok)
    return {{"id", ""},
            {"join", false},
            {"status", id.unavailable ? "unavailable" : "error"},
            {"reason", rank_name(0, world.host()) + " could not make the NCCL unique id: " + id.message}};
  const auto usable = std::count_if(ranks.begin(), ranks.end(), [](const RankRecord& r) { return r.usable; });
  if (usable != 0 && static_cast<std::size_t>(usable) != ranks.size()) {
    std::string without;
    for (const auto& r : ranks)
      if (!r.usable)
        without += (without.empty() ? "" : "; ") + rank_name(r.placement.rank, r.placement.host) + ": " + r.problem;
    return {{"id", id.id},
            {"join", false},
            {"status", "unavailable"},
            {"reason", "the communicator needs every rank, and these have no usable GPU: " + without}};
  }
  return {{"id", id.id}, {"join", true}, {"status", "error"}, {"reason", ""}};
}

// Every rank: join with the offered id, or say why not. Gathered as JSON.
nlohmann::json join(const MpiWorld& world, const RankRecord& record, runtime::WorkerClient* worker,
                    const nlohmann::json& offer, std::chrono::seconds timeout,
                    std::chrono::milliseconds worker_timeout) {
  const std::string id = offer.value("id", "");
  const bool received = from_hex(id, kNcclUniqueIdBytes).ok();
  if (!offer.value("join", false)) return {{"ok", false}, {"joined", false}, {"id_received", received}};
  NcclReply reply;
  if (worker) {
    const auto& placement = record.placement;
    const NcclInitRequest request{id, world.rank(), world.size(),
                                  placement.device >= 0 ? placement.device : world.local_rank(),
                                  static_cast<int>(timeout.count())};
    // The worker gives up after `timeout` and says so; the margin lets its answer arrive before it is killed.
    reply = worker->nccl_init(request, std::chrono::milliseconds(timeout) + std::chrono::seconds(60) + worker_timeout);
  } else {
    reply.message = "its worker is not running: " + record.problem;
  }
  return {{"ok", reply.ok},
          {"joined", true},
          {"id_received", received},
          {"unavailable", reply.unavailable},
          {"message", reply.message}};
}

// Root: the session from every rank's outcome.
nlohmann::json decide(const MpiWorld& world, const nlohmann::json& offer, const std::vector<std::string>& outcomes,
                      const std::vector<RankRecord>& ranks) {
  int received = 0;
  bool all_ok = offer.value("join", false), any_unavailable = false;
  std::string failures;
  for (std::size_t r = 0; r < outcomes.size(); ++r) {
    const auto outcome = nlohmann::json::parse(outcomes[r], nullptr, false);
    const std::string host = r < world.hosts().size() ? world.hosts()[r] : "?";
    if (!outcome.is_object()) {
      all_ok = false;
      failures +=
          (failures.empty() ? "" : "; ") + rank_name(static_cast<int>(r), host) + ": its outcome did not arrive intact";
      continue;
    }
    received += outcome.value("id_received", false) ? 1 : 0;
    if (!outcome.value("joined", false) || outcome.value("ok", false)) continue;
    all_ok = false;
    any_unavailable = any_unavailable || outcome.value("unavailable", false);
    failures += (failures.empty() ? "" : "; ") + rank_name(static_cast<int>(r), host) + ": " +
                outcome.value("message", "(no message)");
  }
  const bool every_rank_usable = std::all_of(ranks.begin(), ranks.end(), [](const RankRecord& r) { return r.usable; });
  const std::string id_note = "the NCCL unique id from " + rank_name(0, world.host()) + " reached " +
                              std::to_string(received) + " of " + std::to_string(world.size()) + " rank(s)";
  if (all_ok) return {{"ready", true}, {"status", "ok"}, {"reason", ""}, {"note", id_note}};
  std::string status = offer.value("status", "error");
  if (any_unavailable || !every_rank_usable) status = "unavailable";
  const std::string reason = offer.value("join", false) ? "NCCL could not start: " + failures
                                                        : "NCCL could not start: " + offer.value("reason", "");
  return {{"ready", false}, {"status", status}, {"reason", reason + " (" + id_note + ")"}, {"note", id_note}};
}

}  // namespace

NcclSession nccl_rendezvous(const MpiWorld& world, const std::vector<Measurement>& plan, const RankRecord& record,
                            runtime::WorkerClient* worker, const std::vector<RankRecord>& ranks,
                            std::chrono::seconds timeout, std::chrono::milliseconds worker_timeout,
                            const MpiWorld::StallHandler& on_stall, ProgressSink& progress,
                            const std::string& environment) {
  NcclSession session;
  session.needed = std::any_of(plan.begin(), plan.end(),
                               [](const Measurement& m) { return needs_setup(m, WorkloadSetup::Communicator); });
  if (!session.needed) return session;

  const auto offer = nlohmann::json::parse(
      world.broadcast(world.root() ? make_offer(world, record, worker, ranks, worker_timeout)
                                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                                   : std::string()));
  const auto outcome = join(world, record, worker, offer, timeout, worker_timeout);
  test_fault_point(world, "nccl_rendezvous");
  const auto outcomes = world.gather(outcome.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), on_stall);
  const auto decided = nlohmann::json::parse(world.broadcast(
      world.root()
          ? decide(world, offer, outcomes, ranks).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
          : std::string()));

  session.ready = decided.value("ready", false);
  session.status = parse_run_status(decided.value("status", "error")).value_or(RunStatus::Error);
  session.reason = decided.value("reason", "");
  const std::string where = environment.empty() ? "" : " in " + environment;
  if (world.root())
    progress.message(session.ready
                         ? "gpucert: NCCL communicator" + where + " of " + std::to_string(world.size()) +
                               " rank(s) ready; " + decided.value("note", "")
                         : "gpucert" + (where.empty() ? "" : " (" + environment + ")") + ": " + session.reason);
  return session;
}

std::vector<ResultRecord> nccl_not_run(const NcclSession& session, const std::vector<Measurement>& plan,
                                       const std::vector<RankRecord>& ranks) {
  std::vector<ResultRecord> out;
  if (!session.needed || session.ready) return out;
  for (const auto& m : plan) {
    if (!needs_setup(m, WorkloadSetup::Communicator)) continue;
    for (const auto& r : ranks) {
      RunReply reply;
      reply.status = session.status;
      reply.message = session.reason;
      out.push_back(make_record(m, r.placement, std::move(reply)));
    }
  }
  return out;
}

}  // namespace gpucert::coordinator

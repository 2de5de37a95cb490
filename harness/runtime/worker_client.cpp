#include "worker_client.hpp"

#include <algorithm>

namespace gpucert::runtime {

Outcome<WorkerClient> WorkerClient::start(const LaunchSpec& spec) {
  auto process = WorkerProcess::start(spec);
  if (!process) return process.error();
  return WorkerClient(std::move(process.value()), spec);
}

Status WorkerClient::ensure_running() {
  if (process_) return ok_status();
  if (before_restart_) before_restart_();
  auto process = WorkerProcess::start(spec_);
  if (!process) return GPUCERT_ERROR("a fresh worker could not be started: " + process.error().describe());
  process_ = std::move(process.value());
  ++restarts_;
  return ok_status();
}

RunStatus WorkerClient::give_up(ExchangeFailure failure) {
  if (process_) process_->kill_now();
  process_.reset();
  return failure == ExchangeFailure::TimedOut ? RunStatus::TimedOut : RunStatus::Crashed;
}

Outcome<ProbeReport> WorkerClient::probe(std::chrono::milliseconds timeout) {
  if (!process_) return GPUCERT_ERROR("worker is not running");
  auto line = process_->exchange(encode_request(ProbeRequest{}), timeout);
  if (!line) return line.error();
  auto json = nlohmann::json::parse(*line, nullptr, false);
  if (json.is_discarded() || !json.is_object() || json.value("ok", nlohmann::json(false)) != true)
    return GPUCERT_ERROR("worker's probe reply is not valid: " + line->substr(0, 300));
  return probe_report_from_json(json);
}

RunReply WorkerClient::run(const Measurement& m, int device, std::uint64_t seed, std::chrono::milliseconds timeout) {
  RunReply failed;
  failed.status = RunStatus::Error;
  if (auto s = ensure_running(); !s) {
    failed.message = s.error().describe();
    return failed;
  }
  RunRequest request{m.id, m.workload, m.params, m.warmup, m.repetitions, device, seed, m.flush_l2};
  auto line = process_->exchange(encode_request(request), timeout);
  if (!line) {
    failed.message = line.error().describe();
    failed.status = give_up(process_->last_failure());  // dead or killed: the next request gets a fresh worker
    return failed;
  }
  auto reply = decode_run_reply(*line);
  if (!reply) {
    // A protocol answer that refuses the request ({"ok":false,...}) comes from a worker that is well: it stays.
    const auto j = nlohmann::json::parse(*line, nullptr, false);
    if (j.is_object() && j.contains("ok") && j["ok"] == false) {
      failed.message = reply.error().describe();
      return failed;
    }
    // What it says next cannot be trusted to belong to the next request: a fresh worker answers that one.
    process_->kill_now();
    failed.message = reply.error().describe() + "; the worker was killed and replaced; its last words: " +
                     (process_->stderr_tail().empty() ? std::string("(nothing)") : process_->stderr_tail());
    failed.status = give_up(ExchangeFailure::None);
    return failed;
  }
  if (reply->status == RunStatus::Error && poisons_context(reply->message)) {
    process_->stop(std::chrono::milliseconds(2000));
    process_.reset();  // the next request gets a fresh worker, with a fresh CUDA context
    reply->message += " (this error leaves the CUDA context unusable: the worker was replaced)";
  }
  return *reply;
}

NcclReply WorkerClient::nccl_exchange(const Request& request, const std::string& op,
                                      std::chrono::milliseconds timeout) {
  NcclReply failed;
  failed.op = op;
  if (!process_) {
    failed.message = "worker is not running";
    return failed;
  }
  auto line = process_->exchange(encode_request(request), timeout);
  if (!line) {
    failed.message = line.error().describe();
    process_.reset();
    return failed;
  }
  auto reply = decode_nccl_reply(*line, op);
  if (!reply) {
    failed.message = reply.error().describe();
    return failed;
  }
  return *reply;
}

NcclReply WorkerClient::nccl_id(std::chrono::milliseconds timeout) {
  return nccl_exchange(NcclIdRequest{}, "nccl_id", timeout);
}

NcclReply WorkerClient::nccl_init(const NcclInitRequest& request, std::chrono::milliseconds timeout) {
  return nccl_exchange(request, "nccl_init", timeout);
}

DevelCheckReply WorkerClient::devel_check(std::chrono::milliseconds timeout) {
  DevelCheckReply failed;
  if (!process_) {
    failed.message = "worker is not running";
    return failed;
  }
  const auto seconds = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
  // The worker keeps its own deadline; the exchange waits a little longer so the worker's answer, a timeout
  // included, arrives before the process is given up.
  auto line =
      process_->exchange(encode_request(DevelCheckRequest{static_cast<int>(std::min<long long>(seconds, 86400))}),
                         timeout + std::chrono::seconds(15));
  if (!line) {
    failed.message = line.error().describe();
    process_.reset();
    return failed;
  }
  auto reply = decode_devel_check_reply(*line);
  if (!reply) {
    failed.message = reply.error().describe();
    return failed;
  }
  return *reply;
}

Outcome<GpuHealthReport> WorkerClient::health(std::chrono::milliseconds timeout) {
  if (!process_) return GPUCERT_ERROR("worker is not running");
  auto line = process_->exchange(encode_request(HealthRequest{}), timeout);
  if (!line) return line.error();
  return decode_health_reply(*line);
}

void WorkerClient::quit() {
  if (!process_) return;
  (void)process_->exchange(encode_request(QuitRequest{}), std::chrono::milliseconds(5000));
  process_->stop(std::chrono::milliseconds(5000));
  process_.reset();
}

}  // namespace gpucert::runtime

#include "worker_client.hpp"

#include <algorithm>

namespace gpucert::runtime {

Outcome<WorkerClient> WorkerClient::start(const LaunchSpec& spec) {
  auto process = WorkerProcess::start(spec);
  if (!process) return process.error();
  return WorkerClient(std::move(process.value()));
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
  if (!process_) {
    failed.message = "worker is not running";
    return failed;
  }
  RunRequest request{m.id, m.workload, m.params, m.warmup, m.repetitions, device, seed};
  auto line = process_->exchange(encode_request(request), timeout);
  if (!line) {
    failed.message = line.error().describe();
    process_.reset();  // dead or killed: later runs must not talk to it
    return failed;
  }
  auto reply = decode_run_reply(*line);
  if (!reply) {
    failed.message = reply.error().describe();
    return failed;
  }
  return *reply;
}

NcclReply WorkerClient::nccl_exchange(const Request& request, const std::string& op, std::chrono::milliseconds timeout) {
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
  auto line = process_->exchange(encode_request(DevelCheckRequest{static_cast<int>(std::min<long long>(seconds, 86400))}),
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

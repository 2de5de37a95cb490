#include "protocol.hpp"

#include <array>
#include <cmath>
#include <utility>

#include "json_fields.hpp"
#include "protocol_nccl.hpp"

namespace gpucert {
namespace {

constexpr std::array<std::pair<RunStatus, std::string_view>, 7> kStatusNames{{
    {RunStatus::Ok, "ok"},
    {RunStatus::Failed, "failed"},
    {RunStatus::Unavailable, "unavailable"},
    {RunStatus::Waived, "waived"},
    {RunStatus::Error, "error"},
    {RunStatus::Crashed, "crashed"},
    {RunStatus::TimedOut, "timed_out"},
}};

Outcome<nlohmann::json> parse_object(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return GPUCERT_ERROR("protocol: not a JSON line: '" + std::string(line.substr(0, 200)) + "'");
  if (!j.is_object())
    return GPUCERT_ERROR("protocol: expected a JSON object, got: " +
                         j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).substr(0, 200));
  return j;
}

template <typename T>
Outcome<T> field(const nlohmann::json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  try {
    // A whole number is checked against T's range (json_fields.hpp): get<int>() would convert 1e30 or 2^32.
    if constexpr (WholeNumber<T>) {
      if (it->is_number()) return whole_number<T>(*it, key);
      throw std::invalid_argument("not a number");
    } else {
      return it->get<T>();
    }
  } catch (const JsonNumberError& e) {
    return GPUCERT_ERROR(std::string("protocol: ") + e.what());
  } catch (const std::exception&) {  // nlohmann's type_error, or not a number
    return GPUCERT_ERROR(std::string("protocol: field '") + key + "' has the wrong type: " + it->dump());
  }
}

}  // namespace

std::string_view name_of(RunStatus status) {
  for (const auto& [s, name] : kStatusNames)
    if (s == status) return name;
  return "error";
}

bool broke(RunStatus status) {
  return status == RunStatus::Error || status == RunStatus::Crashed || status == RunStatus::TimedOut;
}

bool poisons_context(std::string_view message) {
  // The "sticky" errors of the CUDA runtime API documentation: the context cannot be used after them.
  static constexpr std::string_view kSticky[] = {
      "cudaErrorIllegalAddress",     "cudaErrorLaunchFailure",      "cudaErrorHardwareStackError",
      "cudaErrorIllegalInstruction", "cudaErrorMisalignedAddress",  "cudaErrorInvalidAddressSpace",
      "cudaErrorInvalidPc",          "cudaErrorECCUncorrectable",   "cudaErrorAssert",
      "cudaErrorLaunchTimeout",      "cudaErrorContextIsDestroyed", "cudaErrorTensorMemoryLeak",
      "CUDA_ERROR_ILLEGAL_ADDRESS",  "CUDA_ERROR_LAUNCH_FAILED",    "CUDA_ERROR_ECC_UNCORRECTABLE"};
  for (const auto name : kSticky)
    if (message.find(name) != std::string_view::npos) return true;
  return false;
}

std::optional<RunStatus> parse_run_status(std::string_view name) {
  for (const auto& [s, text] : kStatusNames)
    if (text == name) return s;
  return std::nullopt;
}

std::string encode_request(const Request& request) {
  nlohmann::json j;
  if (std::holds_alternative<ProbeRequest>(request)) {
    j = {{"op", "probe"}};
  } else if (std::holds_alternative<QuitRequest>(request)) {
    j = {{"op", "quit"}};
  } else if (std::holds_alternative<NcclIdRequest>(request)) {
    j = {{"op", "nccl_id"}};
  } else if (std::holds_alternative<HealthRequest>(request)) {
    j = {{"op", "health"}};
  } else if (const auto* init = std::get_if<NcclInitRequest>(&request)) {
    j = protocol_detail::nccl_init_to_json(*init);
  } else if (const auto* devel = std::get_if<DevelCheckRequest>(&request)) {
    j = {{"op", "devel_check"}, {"timeout_s", devel->timeout_s}};
  } else {
    const auto& r = std::get<RunRequest>(request);
    j = {{"op", "run"},        {"id", r.id},         {"workload", r.workload},
         {"params", r.params}, {"warmup", r.warmup}, {"repetitions", r.repetitions},
         {"device", r.device}, {"seed", r.seed},     {"l2", r.flush_l2 ? "cold" : "warm"}};
  }
  j["protocol"] = kProtocolVersion;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Outcome<Request> decode_request(std::string_view line) {
  auto parsed = parse_object(line);
  if (!parsed) return parsed.error();
  const auto& j = *parsed;
  auto op = field<std::string>(j, "op", "");
  if (!op) return op.error();
  if (auto version = j.find("protocol"); version != j.end() && *version != kProtocolVersion)
    return GPUCERT_ERROR("protocol: request speaks version " + version->dump() + ", this worker speaks " +
                         std::to_string(kProtocolVersion));
  if (*op == "probe") return Request{ProbeRequest{}};
  if (*op == "quit") return Request{QuitRequest{}};
  if (*op == "nccl_id") return Request{NcclIdRequest{}};
  if (*op == "health") return Request{HealthRequest{}};
  if (*op == "nccl_init") {
    auto init = protocol_detail::nccl_init_from_json(j);
    if (!init) return init.error();
    return Request{std::move(*init)};
  }
  if (*op == "devel_check") {
    auto timeout = field<int>(j, "timeout_s", DevelCheckRequest{}.timeout_s);
    if (!timeout) return timeout.error();
    if (*timeout < 1) return GPUCERT_ERROR("protocol: devel_check needs timeout_s >= 1");
    return Request{DevelCheckRequest{*timeout}};
  }
  if (*op != "run")
    return GPUCERT_ERROR("protocol: unknown op '" + *op +
                         "' (expected probe, run or quit; devel_check, the devel flavour's compiler check; or nccl_id, "
                         "nccl_init, the NCCL rendezvous)");

  RunRequest r;
  auto id = field<std::string>(j, "id", "");
  auto workload = field<std::string>(j, "workload", "");
  auto warmup = field<int>(j, "warmup", 0);
  auto repetitions = field<int>(j, "repetitions", 1);
  auto device = field<int>(j, "device", 0);
  auto seed = field<std::uint64_t>(j, "seed", 1);
  auto l2 = field<std::string>(j, "l2", "warm");
  for (const Error* e :
       {id ? nullptr : &id.error(), workload ? nullptr : &workload.error(), warmup ? nullptr : &warmup.error(),
        repetitions ? nullptr : &repetitions.error(), device ? nullptr : &device.error(),
        seed ? nullptr : &seed.error(), l2 ? nullptr : &l2.error()})
    if (e) return *e;
  if (*l2 != "warm" && *l2 != "cold")
    return GPUCERT_ERROR("protocol: run request's l2 must be warm or cold, not '" + *l2 + "'");
  if (workload->empty()) return GPUCERT_ERROR("protocol: run request without a workload");
  if (*warmup < 0 || *repetitions < 1 || *device < 0)
    return GPUCERT_ERROR("protocol: run request needs warmup >= 0, repetitions >= 1 and device >= 0");
  r.id = *id;
  r.workload = *workload;
  r.warmup = *warmup;
  r.repetitions = *repetitions;
  r.device = *device;
  r.seed = *seed;
  r.flush_l2 = *l2 == "cold";
  if (auto params = j.find("params"); params != j.end()) {
    if (!params->is_object()) return GPUCERT_ERROR("protocol: 'params' must be an object");
    r.params = *params;
  }
  return Request{std::move(r)};
}

nlohmann::json to_json(const Verification& v) {
  return {{"passed", v.passed},
          {"checked", v.checked},
          {"mismatches", v.mismatches},
          {"max_rel_error", std::isfinite(v.max_rel_error) ? nlohmann::json(v.max_rel_error) : nlohmann::json("nan")},
          {"tolerance", v.tolerance},
          {"method", v.method}};
}

Verification verification_from_json(const nlohmann::json& j) {
  Verification v;
  if (!j.is_object()) return v;
  v.passed = j.value("passed", false);
  v.checked = whole_value(j, "checked", std::uint64_t{0});
  v.mismatches = whole_value(j, "mismatches", std::uint64_t{0});
  if (auto e = j.find("max_rel_error"); e != j.end())
    v.max_rel_error = e->is_number() ? e->get<double>() : std::nan("");
  v.tolerance = j.value("tolerance", 0.0);
  v.method = j.value("method", "");
  return v;
}

nlohmann::json to_json(const RunReply& reply) {
  nlohmann::json j = {{"op", "run"},
                      {"ok", true},
                      {"status", name_of(reply.status)},
                      {"samples_s", reply.samples_s},
                      {"verification", to_json(reply.verification)},
                      {"message", reply.message},
                      {"details", reply.details}};
  if (reply.telemetry) j["telemetry"] = to_json(*reply.telemetry);
  return j;
}

std::string encode_run_reply(const RunReply& reply) {
  return to_json(reply).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// Throws nlohmann's exceptions on a field of the wrong type ("ok":"yes", "message":42); decode_run_reply
// turns them into an error value.
Outcome<RunReply> run_reply_from_json(const nlohmann::json& j) {
  if (j.value("ok", false) == false)
    return GPUCERT_ERROR("worker refused the request: " + j.value("message", std::string("(no message)")));
  if (j.value("op", "") != "run")
    return GPUCERT_ERROR("protocol: expected a run reply, got: " +
                         j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).substr(0, 200));
  RunReply reply;
  auto status = parse_run_status(j.value("status", ""));
  if (!status)
    return GPUCERT_ERROR("protocol: run reply with unknown status: " +
                         j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).substr(0, 200));
  reply.status = *status;
  try {
    reply.samples_s = j.value("samples_s", std::vector<double>{});
  } catch (const nlohmann::json::exception&) {
    return GPUCERT_ERROR("protocol: samples_s must be an array of numbers");
  }
  for (double s : reply.samples_s)
    if (!(s > 0.0) || !std::isfinite(s)) return GPUCERT_ERROR("protocol: a sample time is not a positive number");
  reply.verification = verification_from_json(j.value("verification", nlohmann::json::object()));
  reply.message = j.value("message", "");
  reply.details = j.value("details", nlohmann::json::object());
  if (auto t = j.find("telemetry"); t != j.end()) {
    auto telemetry = measurement_telemetry_from_json(*t);
    if (!telemetry) return GPUCERT_ERROR("protocol: " + telemetry.error().message);
    reply.telemetry = std::move(*telemetry);
  }
  if (reply.status == RunStatus::Ok && reply.samples_s.empty())
    return GPUCERT_ERROR("protocol: an 'ok' run reply carries no samples");
  return reply;
}

}  // namespace

Outcome<RunReply> decode_run_reply(std::string_view line) {
  auto parsed = parse_object(line);
  if (!parsed) return parsed.error();
  // A confused worker must give an error value, as the callers promise, never an exception.
  try {
    return run_reply_from_json(*parsed);
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();  // "[json.exception.type_error.302] type must be string, but is number"
    if (auto end = what.find("] "); end != std::string::npos) what.erase(0, end + 2);
    return GPUCERT_ERROR("protocol: run reply with a field of the wrong type (" + what +
                         "): " + parsed->dump().substr(0, 200));
  } catch (const JsonNumberError& e) {
    return GPUCERT_ERROR(std::string("protocol: run reply with a number out of range (") + e.what() +
                         "): " + parsed->dump().substr(0, 200));
  }
}

std::string encode_error_reply(std::string_view message) {
  return nlohmann::json{{"op", "error"}, {"ok", false}, {"message", message}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string encode_health_reply(const GpuHealthReport& report) {
  auto j = to_json(report);
  j["op"] = "health";
  j["ok"] = true;
  return j.dump();
}

Outcome<GpuHealthReport> decode_health_reply(std::string_view line) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return GPUCERT_ERROR("protocol: a health reply that is not JSON: " + std::string(line.substr(0, 200)));
  if (j.value("op", "") != "health" || j.value("ok", nlohmann::json(false)) != true)
    return GPUCERT_ERROR("the worker did not answer the health request: " +
                         j.value("message", std::string(line.substr(0, 200))));
  return gpu_health_report_from_json(j);
}

}  // namespace gpucert

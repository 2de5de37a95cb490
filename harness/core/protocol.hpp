// The worker protocol: JSON Lines on the worker's stdin and stdout, one request, one reply; the worker's
// logs go to stderr. Every environment (native, each container flavour) speaks exactly this, so the same
// coordinator drives them all. One definition of the wire format, used by both ends.
//
//   {"op":"probe"}                                   -> {"op":"probe","ok":true, ...ProbeReport}
//   {"op":"run","id":..,"workload":..,"params":{..},
//    "warmup":3,"repetitions":20,"device":0,"seed":1,
//    "l2":"warm"|"cold"}                           -> {"op":"run","ok":true,"status":"ok",
//                                                         "samples_s":[..],"verification":{..},...}
//   {"op":"nccl_id"}                                 -> {"op":"nccl_id","ok":true,"id":"<256 hex digits>"}
//   {"op":"nccl_init","id":"<hex>","rank":r,"nranks":n,
//    "device":d,"timeout_s":t}                       -> {"op":"nccl_init","ok":true|false,"message":..}
//   {"op":"devel_check","timeout_s":t}              -> {"op":"devel_check","ok":true,"passed":..,"nvcc":..,
//                                                         "compile":{..},"run":{..},...} (devel_check.hpp)
//   {"op":"health"}                                  -> {"op":"health","ok":true, ...GpuHealthReport}
//   {"op":"quit"}                                    -> {"op":"quit","ok":true}
//   anything unreadable                              -> {"op":"error","ok":false,"message":".."}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "gpu_telemetry.hpp"

namespace gpucert {

inline constexpr int kProtocolVersion = 1;

struct ProbeRequest {};
struct QuitRequest {};
struct RunRequest {
  std::string id;        // the measurement id, echoed in logs
  std::string workload;  // "stream", "host_copy", "gemm", ...
  nlohmann::json params = nlohmann::json::object();
  int warmup = 0;
  int repetitions = 1;
  int device = 0;          // index among the devices the worker sees
  std::uint64_t seed = 1;  // inputs are drawn from this seed: same seed, same data, on every rank and run
  bool flush_l2 = false;   // "l2": "cold" on the wire: evict the L2 before each timed run (Measurement::flush_l2)
};
// NCCL rendezvous (docs/ARCHITECTURE.md): rank 0's worker makes the unique id, the coordinators carry it with MPI,
// every worker joins the communicator with it. The id crosses as hex: JSON strings cannot hold its raw bytes.
inline constexpr std::size_t kNcclUniqueIdBytes = 128;  // NCCL_UNIQUE_ID_BYTES; the plugin checks they agree
struct NcclIdRequest {};
struct NcclInitRequest {
  std::string id;  // kNcclUniqueIdBytes as lowercase hex, from rank 0's nccl_id
  int rank = 0;    // this worker's rank in the communicator, 0 <= rank < nranks
  int nranks = 1;
  int device = 0;
  int timeout_s = 300;  // how long to wait on the other ranks, here and in every later collective
};
// The devel flavour's check (devel_check.hpp): compile a kernel with the image's nvcc, run it, all within
// timeout_s.
struct DevelCheckRequest {
  int timeout_s = 120;
};
// NVML's view of every GPU the worker sees, and the critical events since its first probe
// (gpu_telemetry.hpp): the coordinator asks again after the suite.
struct HealthRequest {};
using Request = std::variant<ProbeRequest, RunRequest, QuitRequest, NcclIdRequest, NcclInitRequest, DevelCheckRequest,
                             HealthRequest>;

// ok: ran and verified. failed: ran, verification failed. unavailable: the workload's library cannot be
// loaded here (the loader's message is the evidence). waived: this hardware cannot run it (the reason
// says why). error: something broke (CUDA error, out of memory). crashed: the worker died, or answered what is not
// the protocol, and was replaced. timed_out: the worker gave no answer by the measurement's deadline and was killed
// (docs/RELIABILITY.md).
enum class RunStatus { Ok, Failed, Unavailable, Waived, Error, Crashed, TimedOut };
// Error, crashed and timed_out: the measurement broke before it said anything about the GPU; `--resume` tries it
// again.
bool broke(RunStatus status);
// An error message that names a CUDA error after which the process's context is unusable (cudaErrorIllegalAddress,
// cudaErrorLaunchFailure, an uncorrectable ECC error, ...): every later call of that worker would fail too, so
// gpucert replaces the worker (docs/RELIABILITY.md).
bool poisons_context(std::string_view message);
std::string_view name_of(RunStatus status);
std::optional<RunStatus> parse_run_status(std::string_view name);

struct Verification {
  bool passed = false;
  std::uint64_t checked = 0;     // elements (or values) compared with the reference
  std::uint64_t mismatches = 0;  // of those, outside the tolerance (NaN always is)
  double max_rel_error = 0;
  double tolerance = 0;
  std::string method;  // how the reference was obtained, in a few words
};

struct RunReply {
  RunStatus status = RunStatus::Error;
  std::vector<double> samples_s;  // one per repetition, device time in seconds
  Verification verification;
  std::string message;                                // error text, loader message (unavailable) or reason (waived)
  nlohmann::json details = nlohmann::json::object();  // workload-specific facts (algorithm chosen, ...)
  // The GPU's state while it ran (clocks, power, clock-event reasons, other processes), from the worker's NVML
  // sampler; absent from workers that predate it.
  OptionalTelemetry telemetry;
};

// The reply to nccl_id (with the id) or nccl_init. A failure is "unavailable" when the NCCL plugin cannot
// load in this environment (the message is the loader's), an error otherwise (the message names the call).
struct NcclReply {
  std::string op;  // "nccl_id" or "nccl_init"
  bool ok = false;
  bool unavailable = false;
  std::string id;  // nccl_id only
  std::string message;
};

std::string encode_request(const Request& request);
Outcome<Request> decode_request(std::string_view line);

nlohmann::json to_json(const Verification& v);
Verification verification_from_json(const nlohmann::json& j);
nlohmann::json to_json(const RunReply& reply);
std::string encode_run_reply(const RunReply& reply);
Outcome<RunReply> decode_run_reply(std::string_view line);
std::string encode_error_reply(std::string_view message);
std::string encode_health_reply(const GpuHealthReport& report);
Outcome<GpuHealthReport> decode_health_reply(std::string_view line);
std::string encode_nccl_reply(const NcclReply& reply);
// A worker's {"op":"error"} reply (a worker that does not know the op) decodes as a failed NcclReply.
Outcome<NcclReply> decode_nccl_reply(std::string_view line, std::string_view expected_op);

// Lowercase hex of bytes, and back; from_hex refuses odd lengths, non-hex digits and any length other than
// 2 * expected_bytes.
// (.cu files include this header as C++17: no std::span here.)
std::string to_hex(const unsigned char* bytes, std::size_t size);
Outcome<std::vector<unsigned char>> from_hex(std::string_view hex, std::size_t expected_bytes);

}  // namespace gpucert

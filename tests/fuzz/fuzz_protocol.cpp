// libFuzzer: any bytes as one line of the worker protocol, in both directions: a request as gpucert-worker
// decodes it, a reply as gpucert decodes it (run, NCCL, devel_check, probe). Each must decode to a value or an
// error value, and whatever decodes must encode again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/devel_check.hpp"
#include "core/probe_report.hpp"
#include "core/protocol.hpp"
#include "core/utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // gpucert hands the decoders what WorkerProcess::exchange returns: the line with invalid UTF-8 replaced.
  const std::string raw(reinterpret_cast<const char*>(data), size);
  for (const std::string& line : {raw, gpucert::valid_utf8(raw)}) {
    if (auto request = gpucert::decode_request(line); request.ok())
      (void)gpucert::encode_request(*request);
    else
      (void)gpucert::encode_error_reply(request.error().message);
    if (auto reply = gpucert::decode_run_reply(line); reply.ok()) (void)gpucert::encode_run_reply(*reply);
    (void)gpucert::decode_nccl_reply(line, "nccl_init");
    (void)gpucert::decode_devel_check_reply(line);
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (auto probe = gpucert::probe_report_from_json(j); probe.ok()) (void)gpucert::dump_json(gpucert::to_json(*probe));
  }
  return 0;
}

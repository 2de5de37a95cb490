#include "plugin_glue.hpp"

#include <cstdlib>
#include <cstring>
#include <exception>

namespace gpucert::kernels {

char* copy_for_abi(const std::string& text) {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out) std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

void release_for_abi(char* text) { std::free(text); }

RunReply error_reply(const std::string& what) {
  RunReply reply;
  reply.status = RunStatus::Error;
  reply.message = what;
  return reply;
}

RunReply waived_reply(std::string reason) {
  RunReply reply;
  reply.status = RunStatus::Waived;
  reply.message = std::move(reason);
  return reply;
}

void conclude_verification(RunReply& reply, Verification verification, const std::function<std::string()>& why_failed) {
  verification.passed = verification.mismatches == 0;
  reply.verification = std::move(verification);
  reply.status = reply.verification.passed ? RunStatus::Ok : RunStatus::Failed;
  if (!reply.verification.passed) reply.message = why_failed();
}

char* run_json(const char* request_json, const std::function<RunReply(const RunRequest&)>& run) {
  RunReply reply;
  try {
    auto request = decode_request(request_json ? request_json : "");
    if (!request) {
      reply = error_reply(request.error().describe());
    } else if (!std::holds_alternative<RunRequest>(*request)) {
      reply = error_reply("plugin: expected a run request");
    } else {
      reply = run(std::get<RunRequest>(*request));
    }
  } catch (const std::exception& e) {
    reply = error_reply(e.what());
  } catch (...) {
    reply = error_reply("plugin: unknown exception");
  }
  return copy_for_abi(encode_run_reply(reply));
}

}  // namespace gpucert::kernels

// For plugins written in C++: the JSON boundary of plugin_abi.h around a typed run function, with every
// exception turned into an "error" reply (a plugin must never take the worker down).
#pragma once

#include <functional>
#include <string>

#include "core/protocol.hpp"

namespace gpucert::kernels {

// Decodes request_json, calls `run`, encodes the reply; returns a malloc'd string for the ABI.
char* run_json(const char* request_json, const std::function<RunReply(const RunRequest&)>& run);
char* copy_for_abi(const std::string& text);
void release_for_abi(char* text);

// The reply for an exception escaping a run (CudaFailure, bad_alloc, ...).
RunReply error_reply(const std::string& what);
// The reply when this hardware or library cannot run the request, with the reason.
RunReply waived_reply(std::string reason);

// How every verified measurement ends: `verification` passes when it found no mismatch, its verdict becomes the
// reply's status (ok or failed), and a failure's message is `why_failed()`, asked only then.
void conclude_verification(RunReply& reply, Verification verification, const std::function<std::string()>& why_failed);

}  // namespace gpucert::kernels

// The devel flavour's promise, tested: nvcc inside the image compiles a small CUDA program that then runs a
// kernel and prints its result. The worker does it on request ({"op":"devel_check","timeout_s":t}) and
// replies with this; the coordinator keeps the reply in the environment's record and the devel-compiles
// check (flavor_checks.hpp) judges it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"

namespace gpucert {

// One child process the worker ran: its argv, how it ended and what it printed (stdout and stderr together,
// truncated to kDevelOutputLimit bytes).
struct ProcessOutcome {
  std::vector<std::string> argv;
  int exit_code = -1;      // -1 when it did not exit by itself
  int signal = 0;          // the signal that ended it, when one did
  bool timed_out = false;  // killed at the deadline
  std::string output;
};
// "exited with 2", "was killed by signal 9", "did not finish before the deadline"
std::string describe(const ProcessOutcome& p);
inline constexpr std::size_t kDevelOutputLimit = 4000;

struct DevelCheckReply {
  bool ok = false;                        // the worker answered the request (false: it could not, see message)
  std::string nvcc;                       // the nvcc it used; empty when none was found
  std::string nvcc_version;               // the last line of `nvcc --version`
  std::optional<ProcessOutcome> compile;  // nvcc ... -o ...
  std::optional<ProcessOutcome> run;      // the program it built
  std::string expected;                   // the value the kernel must produce, as the program prints it
  std::string result;                     // what the program printed as its result; empty when it printed none
  std::string message;                    // in words: what went wrong, or what passed
  // Only what the record shows: compiled (exit 0), ran (exit 0) and the kernel's value is the expected one.
  [[nodiscard]] bool passed() const;
};

nlohmann::json to_json(const ProcessOutcome& p);
nlohmann::json to_json(const DevelCheckReply& reply);  // {"op":"devel_check","ok":..,...}
Outcome<DevelCheckReply> devel_check_reply_from_json(const nlohmann::json& j);
std::string encode_devel_check_reply(const DevelCheckReply& reply);
// A worker's {"op":"error"} reply (one that does not know the op) decodes as a reply with ok false.
Outcome<DevelCheckReply> decode_devel_check_reply(std::string_view line);

// Keeps the first and last parts of a long output, with a marker between, within `limit` bytes.
std::string truncate_output(std::string_view text, std::size_t limit = kDevelOutputLimit);

}  // namespace gpucert

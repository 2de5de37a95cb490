#include "devel_check.hpp"

#include "json_fields.hpp"

namespace gpucert {

bool DevelCheckReply::passed() const {
  return ok && compile && compile->exit_code == 0 && !compile->timed_out && run && run->exit_code == 0 &&
         !run->timed_out && !expected.empty() && result == expected;
}

std::string describe(const ProcessOutcome& p) {
  if (p.timed_out) return "did not finish before the deadline";
  if (p.signal) return "was killed by signal " + std::to_string(p.signal);
  return "exited with " + std::to_string(p.exit_code);
}

std::string truncate_output(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  const std::string marker = "\n[... " + std::to_string(text.size() - limit) + " bytes left out ...]\n";
  if (limit <= marker.size() + 2) return std::string(text.substr(0, limit));
  const std::size_t keep = limit - marker.size();
  const std::size_t head = keep / 3;  // the end says most: the compiler's last error, the program's verdict
  return std::string(text.substr(0, head)) + marker + std::string(text.substr(text.size() - (keep - head)));
}

nlohmann::json to_json(const ProcessOutcome& p) {
  return {{"argv", p.argv},
          {"exit_code", p.exit_code},
          {"signal", p.signal},
          {"timed_out", p.timed_out},
          {"output", p.output}};
}

nlohmann::json to_json(const DevelCheckReply& r) {
  nlohmann::json j = {{"op", "devel_check"},
                      {"ok", r.ok},
                      {"passed", r.passed()},
                      {"nvcc", r.nvcc},
                      {"nvcc_version", r.nvcc_version},
                      {"compile", nullptr},
                      {"run", nullptr},
                      {"expected", r.expected},
                      {"result", r.result},
                      {"message", r.message}};
  if (r.compile) j["compile"] = to_json(*r.compile);
  if (r.run) j["run"] = to_json(*r.run);
  return j;
}

namespace {

ProcessOutcome process_from_json(const nlohmann::json& j) {
  ProcessOutcome p;
  p.argv = j.value("argv", std::vector<std::string>{});
  p.exit_code = whole_value(j, "exit_code", -1);
  p.signal = whole_value(j, "signal", 0);
  p.timed_out = j.value("timed_out", false);
  p.output = j.value("output", "");
  return p;
}

}  // namespace

Outcome<DevelCheckReply> devel_check_reply_from_json(const nlohmann::json& j) {
  if (!j.is_object())
    return GPUCERT_ERROR("devel_check reply: expected an object, got " +
                         j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).substr(0, 200));
  try {
    DevelCheckReply r;
    const auto op = j.value("op", "");
    r.ok = j.value("ok", false);
    r.message = j.value("message", "");
    if (op == "error") {  // a worker that does not know the op
      r.ok = false;
      return r;
    }
    if (op != "devel_check")
      return GPUCERT_ERROR("protocol: expected a devel_check reply, got: " +
                           j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).substr(0, 200));
    r.nvcc = j.value("nvcc", "");
    r.nvcc_version = j.value("nvcc_version", "");
    if (const auto c = j.find("compile"); c != j.end() && c->is_object()) r.compile = process_from_json(*c);
    if (const auto c = j.find("run"); c != j.end() && c->is_object()) r.run = process_from_json(*c);
    r.expected = j.value("expected", "");
    r.result = j.value("result", "");
    return r;
  } catch (const std::exception& e) {
    return GPUCERT_ERROR(std::string("protocol: devel_check reply with a field of the wrong type: ") + e.what());
  }
}

std::string encode_devel_check_reply(const DevelCheckReply& reply) {
  return to_json(reply).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Outcome<DevelCheckReply> decode_devel_check_reply(std::string_view line) {
  const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return GPUCERT_ERROR("protocol: not a JSON line: '" + std::string(line.substr(0, 200)) + "'");
  return devel_check_reply_from_json(j);
}

}  // namespace gpucert

#include "dispatch.hpp"

#include <exception>

#include "common/plugin_glue.hpp"
#include "memory_gate.hpp"
#include "worker_workloads.hpp"

namespace gpucert::worker {
namespace {

RunReply run_plugin(const gpucert_plugin_v1& plugin, const RunRequest& request) {
  char* text = plugin.run(encode_request(request).c_str());
  if (!text) return kernels::error_reply("plugin " + std::string(plugin.name) + " returned no reply");
  auto reply = decode_run_reply(text);
  plugin.release(text);
  if (!reply) return kernels::error_reply("plugin " + std::string(plugin.name) + ": " + reply.error().describe());
  return *reply;
}

NcclReply nccl_failure(const std::string& op, bool unavailable, std::string message) {
  NcclReply reply;
  reply.op = op;
  reply.unavailable = unavailable;
  reply.message = std::move(message);
  return reply;
}

// The size of the communicator the last nccl_init asked for: all_gather's receive buffer, and so the nccl
// runs' device memory, grows with it. One worker serves one rank of one communicator at a time.
int nccl_ranks = 1;

}  // namespace

std::string dispatch_nccl(const Request& request, const PluginSet& plugins) {
  const std::string op = std::holds_alternative<NcclIdRequest>(request) ? "nccl_id" : "nccl_init";
  if (const auto* init = std::get_if<NcclInitRequest>(&request)) nccl_ranks = init->nranks;
  std::string why;
  const auto* plugin = plugins.find_loaded("nccl", &why);
  if (!plugin) return encode_nccl_reply(nccl_failure(op, true, why));
  if (!plugin->control)
    return encode_nccl_reply(nccl_failure(op, false, plugin->file + " has no " GPUCERT_PLUGIN_CONTROL " entry"));
  char* text = plugin->control(encode_request(request).c_str());
  if (!text) return encode_nccl_reply(nccl_failure(op, false, plugin->file + " returned no reply to " + op));
  std::string line = text;
  plugin->api->release(text);
  // Pass the plugin's reply on only when it is one; a garbled reply becomes a failure that says so.
  auto reply = decode_nccl_reply(line, op);
  if (!reply) return encode_nccl_reply(nccl_failure(op, false, plugin->file + ": " + reply.error().describe()));
  return encode_nccl_reply(*reply);
}

RunReply dispatch(const RunRequest& request, const PluginSet& plugins) {
  try {
    // A measurement that cannot fit is refused before anything is allocated (memory_gate.hpp); a missing
    // plugin is reported as unavailable first, since no size could make it run.
    for (const auto& builtin : worker_workloads())
      if (request.workload == builtin.name) {
        if (auto refusal = refuse_if_too_large(request, nccl_ranks)) return *refusal;
        return builtin.run(request);
      }
    std::string why;
    if (const auto* plugin = plugins.find(request.workload, &why)) {
      if (auto refusal = refuse_if_too_large(request, nccl_ranks)) return *refusal;
      return run_plugin(*plugin, request);
    }
    RunReply reply;
    reply.status = RunStatus::Unavailable;
    reply.message = why;
    return reply;
  } catch (const std::exception& e) {
    return kernels::error_reply(e.what());
  } catch (...) {
    return kernels::error_reply("unknown exception in " + request.workload);
  }
}

}  // namespace gpucert::worker

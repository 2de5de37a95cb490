#include "dispatch.hpp"

#include <exception>

#include "common/plugin_glue.hpp"
#include "host_copy/host_copy.hpp"
#include "stream/stream.hpp"

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

}  // namespace

std::string dispatch_nccl(const Request& request, const PluginSet& plugins) {
  const std::string op = std::holds_alternative<NcclIdRequest>(request) ? "nccl_id" : "nccl_init";
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
    if (request.workload == "stream") return kernels::run_stream(request);
    if (request.workload == "host_copy") return kernels::run_host_copy(request);
    std::string why;
    if (const auto* plugin = plugins.find(request.workload, &why)) return run_plugin(*plugin, request);
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

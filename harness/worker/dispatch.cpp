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

}  // namespace

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

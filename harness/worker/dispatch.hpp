// Routes a run request to the workload that serves it: built in (stream, host_copy) or a plugin.
#pragma once

#include "core/protocol.hpp"
#include "plugins.hpp"

namespace gpucert::worker {

// Never throws: failures become "error" replies, a missing plugin an "unavailable" one.
RunReply dispatch(const RunRequest& request, const PluginSet& plugins);

// The NCCL rendezvous requests (nccl_id, nccl_init) go to the nccl plugin's control entry; the worker holds
// no NCCL code. Returns the reply line; "unavailable" with the loader's message when the plugin cannot load.
std::string dispatch_nccl(const Request& request, const PluginSet& plugins);

}  // namespace gpucert::worker

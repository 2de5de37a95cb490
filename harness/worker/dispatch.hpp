// Routes a run request to the workload that serves it: built in (stream, host_copy) or a plugin.
#pragma once

#include "core/protocol.hpp"
#include "plugins.hpp"

namespace gpucert::worker {

// Never throws: failures become "error" replies, a missing plugin an "unavailable" one.
RunReply dispatch(const RunRequest& request, const PluginSet& plugins);

}  // namespace gpucert::worker

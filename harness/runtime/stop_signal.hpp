// SIGINT and SIGTERM ask `gpucert run` to stop: the measurement in flight is abandoned (its worker killed), the
// reports of what was measured are written, marked INCOMPLETE, and gpucert exits 128 + the signal's number. A
// second signal of either kind ends gpucert at once (docs/RELIABILITY.md).
#pragma once

#include <string>

namespace gpucert::runtime {

// Installs the handlers (without SA_RESTART, so that a wait on a worker wakes up).
void install_stop_signals();
// The signal that asked to stop (SIGINT, SIGTERM), or 0.
int stop_requested();
// "SIGINT", "SIGTERM", or the signal's number.
std::string signal_name(int signal);

}  // namespace gpucert::runtime

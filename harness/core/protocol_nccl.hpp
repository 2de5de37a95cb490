// The NCCL rendezvous messages of the worker protocol (protocol.hpp), kept apart from the run messages.
// Internal to core: protocol.cpp routes the ops here.
#pragma once

#include <nlohmann/json.hpp>

#include "protocol.hpp"

namespace gpucert::protocol_detail {

nlohmann::json nccl_init_to_json(const NcclInitRequest& request);
// Checks every field: the id's hex (length and digits), 1 <= nranks, 0 <= rank < nranks, device >= 0,
// timeout_s >= 1.
Outcome<NcclInitRequest> nccl_init_from_json(const nlohmann::json& j);

}  // namespace gpucert::protocol_detail

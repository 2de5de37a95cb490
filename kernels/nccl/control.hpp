// The rendezvous requests (core/protocol.hpp): nccl_id makes the unique id on global rank 0's worker,
// nccl_init joins this worker to the communicator with it. Reply lines of the protocol; never throws.
#pragma once

#include <string>

#include "core/protocol.hpp"

namespace gpucert::kernels::nccl {

std::string control(const char* request_json);

}  // namespace gpucert::kernels::nccl

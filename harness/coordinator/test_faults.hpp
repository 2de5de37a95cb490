// Fault injection for the integration tests, and nothing else: GPUCERT_TEST_FAULT="<rank>:<point>:<what>"
// makes that rank's coordinator hang ("hang") or exit without a word ("exit") when it reaches <point>:
// "setup" (before the rank table is gathered), "nccl_rendezvous" (before the NCCL init outcomes are
// gathered) or "measurement:<index>" (before that measurement's result is gathered). Unset, it does nothing.
#pragma once

#include <string>

#include "mpi_world.hpp"

namespace gpucert::coordinator {

void test_fault_point(const MpiWorld& world, const std::string& point);

}  // namespace gpucert::coordinator

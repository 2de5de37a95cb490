// Every rank's first step, for `run` and `doctor` alike: start its worker, probe, pick its GPU, and say
// plainly why it cannot run when it cannot.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/run_record.hpp"
#include "mpi_world.hpp"
#include "runtime/worker_client.hpp"

namespace gpucert::coordinator {

struct RankSetup {
  RankRecord record;
  std::optional<runtime::WorkerClient> worker;  // running, when the worker started
};

RankSetup setup_rank(const MpiWorld& world, const std::string& worker_path, std::chrono::milliseconds timeout);

// Every rank's record at the root (in rank order); empty elsewhere. Collective.
std::vector<RankRecord> gather_ranks(const MpiWorld& world, const RankRecord& mine);

}  // namespace gpucert::coordinator

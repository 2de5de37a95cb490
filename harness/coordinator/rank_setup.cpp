#include "rank_setup.hpp"

#include "core/doctor.hpp"
#include "runtime/host_pid.hpp"
#include "runtime/launch_spec.hpp"
#include "runtime/slurm_placement.hpp"

namespace gpucert::coordinator {

RankSetup setup_rank(const MpiWorld& world, const std::string& worker_path, std::chrono::milliseconds timeout) {
  RankSetup setup;
  auto& record = setup.record;
  record.placement.rank = world.rank();
  record.placement.local_rank = world.local_rank();
  record.placement.host = world.host();
  record.probe.hostname = world.host();

  auto worker = runtime::WorkerClient::start(runtime::native_launch(worker_path));
  if (!worker) {
    record.problem = "the worker did not start: " + worker.error().describe();
    return setup;
  }
  auto probe = worker->probe(timeout);
  if (!probe) {
    record.problem = "the worker's probe failed: " + probe.error().describe();
    return setup;
  }
  record.probe = std::move(*probe);
  if (record.probe.health) runtime::resolve_worker_host_pid(*record.probe.health);
  // Under Slurm the report names the job and each task's binding (docs/CLUSTER.md).
  const auto env = runtime::process_environment();
  for (auto& [name, value] : runtime::slurm_facts(env)) record.probe.environment.emplace(name, value);
  record.diagnoses = diagnose(record.probe);
  setup.worker.emplace(std::move(*worker));

  if (!record.probe.cuda_usable()) {
    record.problem = record.probe.unusable_reason();
    return setup;
  }
  // One rank per GPU: the n-th rank on a host takes the host's n-th visible GPU, unless Slurm bound GPUs to
  // each task (--gpus-per-task): then the task's own first one.
  const auto count = static_cast<int>(record.probe.devices.size());
  const int slot = runtime::device_slot(world.local_rank(), runtime::slurm_task(env));
  if (slot >= count) {
    record.problem = "rank " + std::to_string(world.rank()) + " is local rank " + std::to_string(world.local_rank()) +
                     " on " + world.host() + ", which has only " + std::to_string(count) +
                     " visible GPU(s): start at most one rank per GPU";
    return setup;
  }
  const auto& device = record.probe.devices[static_cast<std::size_t>(slot)];
  record.placement.device = device.index;
  record.placement.device_name = device.name;
  record.placement.device_uuid = device.uuid;
  record.usable = true;
  return setup;
}

std::vector<RankRecord> gather_ranks(const MpiWorld& world, const RankRecord& mine) {
  std::vector<RankRecord> out;
  for (const auto& text : world.gather(to_json(mine).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))) {
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    auto record = rank_record_from_json(parsed);
    if (record) {
      out.push_back(std::move(*record));
    } else {
      RankRecord broken;
      broken.placement.rank = static_cast<int>(out.size());
      broken.problem = "its record did not arrive intact: " + record.error().describe();
      out.push_back(std::move(broken));
    }
  }
  return out;
}

}  // namespace gpucert::coordinator

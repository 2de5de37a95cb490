#include "health_after.hpp"

#include "runtime/host_pid.hpp"

namespace gpucert::coordinator {

void record_health_after(const MpiWorld& world, runtime::WorkerClient* worker, std::vector<RankRecord>& ranks,
                         std::chrono::milliseconds timeout, const MpiWorld::StallHandler& on_stall) {
  std::string mine;
  if (worker && worker->alive())
    if (auto health = worker->health(timeout)) {
      runtime::resolve_worker_host_pid(*health);  // here, on the worker's host
      auto j = to_json(*health);
      j["rank"] = world.rank();
      mine = j.dump();
    }
  const auto all = world.gather(mine, on_stall);
  if (!world.root()) return;
  for (const auto& text : all) {
    if (text.empty()) continue;
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    auto health = gpu_health_report_from_json(j);
    const int rank = j.value("rank", -1);
    for (auto& r : ranks)
      if (health && r.placement.rank == rank) r.health_after = *health;
  }
}

}  // namespace gpucert::coordinator

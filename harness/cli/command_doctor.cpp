#include <cstdio>

#include "commands.hpp"
#include "coordinator/mpi_world.hpp"
#include "coordinator/rank_setup.hpp"
#include "core/run_record.hpp"

namespace gpucert::cli {

int command_doctor(int timeout_s, int* argc, char*** argv) {
  coordinator::MpiWorld world(argc, argv);
  auto setup = coordinator::setup_rank(world, worker_path(), std::chrono::seconds(timeout_s));
  if (setup.worker) setup.worker->quit();
  const auto ranks = coordinator::gather_ranks(world, setup.record);
  int code = kExitPassed;
  if (world.root()) {
    for (const auto& r : ranks) {
      const auto& p = r.probe;
      std::printf("rank %d on %s\n", r.placement.rank, r.placement.host.c_str());
      std::printf("  driver:       %s (supports CUDA %s)\n", p.driver_release.empty() ? "unknown" : p.driver_release.c_str(),
                  format_cuda_version(p.driver_version).c_str());
      std::printf("  CUDA runtime: %s (worker built with %s)\n", format_cuda_version(p.runtime_version).c_str(),
                  format_cuda_version(p.cuda_build_version).c_str());
      std::printf("  libcuda.so.1: %s\n", p.libcuda.loaded ? p.libcuda.path.c_str() : p.libcuda.error.c_str());
      std::printf("  device nodes: %zu\n", p.device_nodes.size());
      for (const auto& d : p.devices)
        std::printf("  GPU %d: %s, %s, sm_%d%d, %.1f GiB, %d SMs, %s%s\n", d.index, d.name.c_str(), d.uuid.c_str(),
                    d.cc_major, d.cc_minor, static_cast<double>(d.memory_bytes) / (1 << 30), d.multiprocessors,
                    d.pci_bus_id.c_str(), d.index == r.placement.device ? " (this rank's)" : "");
      for (const auto& w : p.workloads)
        std::printf("  workload %-10s %s%s%s\n", w.name.c_str(), w.available ? "available" : "UNAVAILABLE",
                    w.available ? "" : ": ", w.available ? "" : w.evidence.c_str());
      if (p.cuda_error)
        std::printf("  CUDA error:   %s returned %s (%d): %s\n", p.cuda_error->call.c_str(), p.cuda_error->name.c_str(),
                    p.cuda_error->code, p.cuda_error->message.c_str());
      if (r.usable) {
        std::printf("  verdict:      CUDA works here\n");
      } else {
        std::printf("  verdict:      CUDA is NOT usable: %s\n", r.problem.c_str());
        code = kExitEnvironment;
      }
      for (const auto& d : r.diagnoses)
        std::printf("\n  cause [%s]: %s\n    why: %s\n    fix: %s\n", d.cause.c_str(), d.summary.c_str(),
                    d.explanation.c_str(), d.fix.c_str());
      std::printf("\n");
    }
  }
  return world.broadcast(code);
}

}  // namespace gpucert::cli

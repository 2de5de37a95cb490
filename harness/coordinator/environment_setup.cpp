#include "environment_setup.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/compat.hpp"
#include "core/doctor.hpp"
#include "runtime/host_pid.hpp"
#include "runtime/process.hpp"

namespace gpucert::coordinator {
namespace fs = std::filesystem;

runtime::Environment container_environment(const runtime::EnvironmentChoice& choice,
                                           const std::vector<std::string>& gpus, const std::string& worker_path,
                                           const std::string& name) {
  runtime::Environment env;
  env.kind = choice.runtime;
  env.image = choice.image;
  env.gpus = gpus;
  env.name = name;
  runtime::carry_host_worker(env, worker_path);
  return env;
}

ContainerSetup setup_container_rank(const MpiWorld& world, const runtime::EnvironmentChoice& choice,
                                    const RankRecord& native, const ContainerOptions& options) {
  ContainerSetup setup{choice, {}, std::nullopt, std::nullopt, {}};
  setup.image_facts = inspect_image(choice, options.runtime, setup.image_note);
  auto& record = setup.record;
  record.placement.rank = world.rank();
  record.placement.local_rank = world.local_rank();
  record.placement.host = world.host();
  record.probe.hostname = world.host();
  if (!native.usable || native.placement.device_uuid.empty()) {
    record.problem = "this rank has no usable GPU natively" + (native.problem.empty() ? "" : ": " + native.problem);
    return setup;
  }
  // The worker of the image's CUDA major; one of another major cannot load its cudart there: say so before
  // starting it.
  std::string worker_path = options.worker_path;
  std::string image_cuda;
  if (setup.image_facts) {
    const auto cuda = setup.image_facts->env.find("CUDA_VERSION");
    if (cuda != setup.image_facts->env.end()) {
      image_cuda = cuda->second;
      int worker_version = options.worker_cuda_version;
      if (const auto* build = runtime::worker_for_cuda(options.workers, image_cuda)) {
        worker_path = build->path;
        worker_version = build->cuda_version > 0 ? build->cuda_version : build->cuda_major * 1000;
      }
      if (auto fits = check_worker_fits_image(worker_version, image_cuda, choice.image); !fits) {
        record.problem = fits.error().message;
        if (!options.workers.empty())
          record.problem += " (workers of this gpucert: " + runtime::describe_worker_builds(options.workers) + ")";
        return setup;
      }
    }
  }
  // Letters, digits and '-' only: a container name, and unique per run, rank and environment.
  std::string name = "gpucert-" + std::to_string(getpid()) + "-r" + std::to_string(world.rank()) + "-";
  for (char c : choice.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  // The GPUs of every rank on this host, not this rank's alone: NCCL's peer-to-peer transport between two
  // containers needs to see the peer's GPU (cudaDeviceCanAccessPeer, CUDA IPC of its buffers); with only
  // its own, a collective across them fails with "invalid device ordinal". This rank uses its own by UUID.
  const auto local_ranks =
      static_cast<std::size_t>(std::count(world.hosts().begin(), world.hosts().end(), world.host()));
  std::vector<std::string> gpus;
  const auto shown = options.every_host_gpu ? native.probe.devices.size() : std::max<std::size_t>(local_ranks, 1);
  for (std::size_t d = 0; d < native.probe.devices.size() && d < shown; ++d)
    gpus.push_back(native.probe.devices[d].uuid);
  if (std::find(gpus.begin(), gpus.end(), native.placement.device_uuid) == gpus.end())
    gpus.push_back(native.placement.device_uuid);
  const auto env = container_environment(choice, gpus, worker_path, name);
  auto started = runtime::start_environment_worker(env, options.runtime, options.scratch_dir);
  if (!started) {
    record.problem = "the worker did not start in " + choice.name + " (" +
                     std::string(runtime::to_string(choice.runtime)) + " " + choice.image +
                     "): " + started.error().describe();
    return setup;
  }
  auto probe = started->client().probe(options.timeout);
  if (!probe) {
    record.problem = "the worker's probe in " + choice.name + " failed: " + probe.error().describe();
    return setup;
  }
  record.probe = std::move(*probe);
  // The container's worker has a pid of its own namespace; NVML names it by its host pid.
  if (record.probe.health) runtime::resolve_worker_host_pid(*record.probe.health);
  record.diagnoses = diagnose(record.probe);
  setup.worker.emplace(std::move(*started));
  // A worker found by its folder's name (cuda12/) says what it was built with only now.
  if (auto fits = check_worker_fits_image(record.probe.cuda_build_version, image_cuda, choice.image); !fits) {
    record.problem = worker_path + ": " + fits.error().message;
    return setup;
  }
  if (!record.probe.cuda_usable()) {
    record.problem = record.probe.unusable_reason() + " (in " + choice.name + ")";
    return setup;
  }
  // The GPUs given are renumbered from 0 inside: this rank's is found by its UUID.
  const auto& devices = record.probe.devices;
  const auto it = std::find_if(devices.begin(), devices.end(),
                               [&](const DeviceInfo& d) { return d.uuid == native.placement.device_uuid; });
  if (it == devices.end()) {
    record.problem = "the container does not see this rank's GPU " + native.placement.device_uuid + " (it sees " +
                     std::to_string(devices.size()) + " device(s))";
    return setup;
  }
  record.placement.device = it->index;
  record.placement.device_name = it->name;
  record.placement.device_uuid = it->uuid;
  record.usable = true;
  return setup;
}

std::optional<ImageFacts> inspect_image(const runtime::EnvironmentChoice& choice,
                                        const runtime::RuntimeOptions& options, std::string& note) {
  using runtime::RuntimeKind;
  if (choice.runtime == RuntimeKind::Oci) {
    const auto config = fs::path(choice.image).parent_path() / "image-config.json";
    std::ifstream in(config);
    if (!in) {
      note = "no " + config.string() + " beside the root filesystem: the image's facts are unknown";
      return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto facts = image_facts_from_oci_config(text.str(), choice.image, config.string());
    if (!facts) {
      note = facts.error().describe();
      return std::nullopt;
    }
    return *facts;
  }
  if (choice.runtime == RuntimeKind::Podman || choice.runtime == RuntimeKind::Docker) {
    const auto& program = choice.runtime == RuntimeKind::Podman ? options.podman.program : options.docker.program;
    runtime::LaunchSpec spec;
    spec.argv = {program, "image", "inspect", choice.image};
    auto done = runtime::run_to_completion(spec, std::chrono::seconds(60));
    if (!done || done->exit_code != 0) {
      note = "`" + program + " image inspect " + choice.image +
             "` failed: " + (done ? done->err.substr(0, 300) : done.error().describe());
      return std::nullopt;
    }
    auto facts = image_facts_from_inspect(done->out, choice.image);
    if (!facts) {
      note = facts.error().describe();
      return std::nullopt;
    }
    return *facts;
  }
  note = std::string(runtime::to_string(choice.runtime)) + " has no image inspection gpucert reads";
  return std::nullopt;
}

}  // namespace gpucert::coordinator

// Each rank's worker in each container environment of a run (`gpucert run --flavors`), beside its native
// one: started through the environment's runtime with the GPUs of this host's ranks (by UUID: containers
// renumber them from 0, and this rank finds its own by UUID), probed, and the root's view of the image.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/run_record.hpp"
#include "mpi_world.hpp"
#include "runtime/environment_plan.hpp"
#include "runtime/environment_worker.hpp"
#include "runtime/worker_builds.hpp"

namespace gpucert::coordinator {

struct ContainerSetup {
  runtime::EnvironmentChoice choice;
  RankRecord record;                             // this rank's probe inside, and its device there
  std::optional<runtime::StartedWorker> worker;  // running, when it started
  // What the image says of itself (inspect_image), read once here: the CUDA major check before the start and
  // the root's image-hygiene facts both use it. `image_note` says why it is unknown.
  std::optional<ImageFacts> image_facts;
  std::string image_note;
};

struct ContainerOptions {
  std::string worker_path;  // the host's worker; its plugins and lib/ folder come along
  runtime::RuntimeOptions runtime;
  std::filesystem::path scratch_dir;  // where oci bundles are made (and removed)
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
  int worker_cuda_version = 0;  // CUDA the worker was built with (13000); 0: not checked
  // Workers of other CUDA majors (find_worker_builds): an image gets the one of its CUDA_VERSION's major, and
  // worker_path only where none is of that major (then the major check refuses it with its message).
  std::vector<runtime::WorkerBuild> workers;
  // The plan has a workload whose one worker per host drives all the host's GPUs (WorkloadSetup::HostGpus): the
  // container sees every GPU the native worker sees, not only those of this host's ranks.
  bool every_host_gpu = false;
};

// This rank's worker in `choice`, given its native record: the GPU it uses natively, or the reason it has none.
ContainerSetup setup_container_rank(const MpiWorld& world, const runtime::EnvironmentChoice& choice,
                                    const RankRecord& native, const ContainerOptions& options);

// The runtime Environment of `choice` for the GPUs `gpus`, with the host's worker carried in (carry_host_worker).
runtime::Environment container_environment(const runtime::EnvironmentChoice& choice,
                                           const std::vector<std::string>& gpus, const std::string& worker_path,
                                           const std::string& name);

// What the image says about itself, for image hygiene: oci reads image-config.json beside the root filesystem,
// podman and docker `image inspect`. nullopt (the check is waived) where the runtime has no such command or
// the image says nothing; the reason goes to `note`.
std::optional<ImageFacts> inspect_image(const runtime::EnvironmentChoice& choice,
                                        const runtime::RuntimeOptions& options, std::string& note);

}  // namespace gpucert::coordinator

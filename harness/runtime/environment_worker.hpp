// Start a worker in an Environment, whatever its runtime: the one step `gpucert doctor --image` and
// `gpucert run --flavors` share. For oci it also makes the bundle (a fresh folder with config.json, the GPU
// injected from this host's facts) and applies the image's own Env (image-config.json beside the root
// filesystem), since runc reads no image config.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "environment.hpp"
#include "host_facts.hpp"
#include "launchers.hpp"
#include "worker_client.hpp"

namespace gpucert::runtime {

// A worker that runs in its environment, with what it takes to clean up after it. Move-only; stop() (or the
// destructor) quits the worker, removes a container its client left behind (removal_launch) and deletes
// the bundle folder it made.
class StartedWorker {
 public:
  StartedWorker(WorkerClient client, Environment environment, RuntimeOptions options, std::filesystem::path bundle_dir);
  StartedWorker(StartedWorker&& other) noexcept;
  StartedWorker& operator=(StartedWorker&&) = delete;
  StartedWorker(const StartedWorker&) = delete;
  StartedWorker& operator=(const StartedWorker&) = delete;
  ~StartedWorker();

  WorkerClient& client() { return *client_; }
  // As started: for oci with the image's Env in options().oci.image_env and the bundle in options().oci.bundle_dir.
  [[nodiscard]] const Environment& environment() const { return environment_; }
  [[nodiscard]] const RuntimeOptions& options() const { return options_; }
  [[nodiscard]] const std::filesystem::path& bundle_dir() const { return bundle_dir_; }  // oci only
  void stop();

 private:
  std::optional<WorkerClient> client_;
  Environment environment_;
  RuntimeOptions options_;
  std::filesystem::path bundle_dir_;
};

struct StartOptions {
  // oci: the host's facts; empty: collect_host_facts() of this host.
  std::optional<HostFacts> host_facts;
  // oci: start even where the host lacks the listed GPUs or the driver (OciOptions::gpu_optional). For the
  // doctor; a run must not start without its GPU.
  bool gpu_optional = false;
  // oci: the image's Env from image-config.json beside the root filesystem (read_image_env), under
  // options.oci.image_env's own entries. Off: options.oci.image_env alone.
  bool read_image_config = true;
};

// Binds the host's worker into env: the worker itself, its plugins (libgpucert-*.so beside it) and its
// support libraries (the lib/ folder beside its bin/ folder, when there is one).
void carry_host_worker(Environment& env, const std::string& worker_path);

// Starts the worker of `env` (env.kind picks the launcher: native, docker, podman, apptainer, enroot, oci)
// with `options`. For oci, env.image is the absolute path of a root filesystem, env.name is made up when
// empty ("gpucert-<pid>-<n>"), and the bundle is a new folder under scratch_dir (created when missing),
// removed again by stop(). Other runtimes do not use scratch_dir. On failure nothing is left behind: no
// bundle folder, no container. The worker has not been probed yet: call client().probe().
Outcome<StartedWorker> start_environment_worker(const Environment& env, const RuntimeOptions& options,
                                                const std::filesystem::path& scratch_dir,
                                                const StartOptions& start = {});

// The Env of an OCI image config (`{"config": {"Env": ["PATH=/usr/bin", ...]}}`, as `podman image inspect`
// or skopeo write it; a bare `{"Env": [...]}` is read too). Entries without '=' are refused.
Outcome<std::map<std::string, std::string>> image_env_from_config(const nlohmann::json& config);

// ROOTFS/../image-config.json's Env; empty when there is no such file; an error when it is unreadable.
Outcome<std::map<std::string, std::string>> read_image_env(const std::filesystem::path& rootfs);

}  // namespace gpucert::runtime

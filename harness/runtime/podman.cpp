// podman with CDI: `podman run --device nvidia.com/gpu=N`, from `gpucert cdi` or `nvidia-ctk cdi generate`.
#include "image_reference.hpp"
#include "launchers.hpp"

namespace gpucert::runtime {

Outcome<LaunchSpec> podman_launch(const Environment& env, const PodmanOptions& options) {
  if (auto s = check_environment(env, RuntimeKind::Podman); !s) return s.error();
  if (auto s = check_image_reference(env.image); !s) return s.error();
  auto mounts_or = worker_binds(env, "podman -v", ":,", "ro");
  if (!mounts_or) return mounts_or.error();
  const auto& mounts = *mounts_or;

  LaunchSpec spec;
  auto& a = spec.argv;
  a = {options.program};
  if (!options.oci_runtime.empty()) a.insert(a.end(), {"--runtime", options.oci_runtime});
  a.insert(a.end(), {"run", "--rm", "-i"});
  if (!env.name.empty()) a.insert(a.end(), {"--name", env.name});
  // The image was built or pulled before the run; fetching it now would time the registry, not the GPU.
  a.insert(a.end(), {"--pull", "never"});
  for (const auto& gpu : env.gpus) a.insert(a.end(), {"--device", options.cdi_kind + "=" + gpu});
  a.insert(a.end(), {"--network", env.host_network ? "host" : "none", "--ipc", env.host_ipc ? "host" : "private"});
  a.insert(a.end(), {"--security-opt", "no-new-privileges", "--cap-drop", "all"});
  for (const auto& limit : options.ulimits) a.insert(a.end(), {"--ulimit", limit});
  for (const auto& m : mounts) a.insert(a.end(), {"-v", m});
  auto vars = worker_variables(env);
  // CDI does not read it, but an OCI hook of the legacy toolkit would, and CUDA images set it to "all":
  // naming the same GPUs keeps such a host from adding the others.
  vars.emplace("NVIDIA_VISIBLE_DEVICES", join_gpus(env.gpus));
  for (const auto& [name, value] : vars) a.insert(a.end(), {"-e", name + "=" + value});
  // The worker replaces the image's entrypoint: NVIDIA's prints a banner on stdout, which is the protocol's.
  a.insert(a.end(), {"--entrypoint", env.worker_container_path, env.image});
  return spec;
}

}  // namespace gpucert::runtime

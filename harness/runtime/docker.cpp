// docker with the NVIDIA Container Toolkit: `docker run --gpus`.
#include "image_reference.hpp"
#include "launchers.hpp"

namespace gpucert::runtime {

Outcome<LaunchSpec> docker_launch(const Environment& env, const DockerOptions& options) {
  if (auto s = check_environment(env, RuntimeKind::Docker); !s) return s.error();
  if (auto s = check_image_reference(env.image); !s) return s.error();
  auto mounts_or = worker_binds(env, "docker -v", ":", "ro");
  if (!mounts_or) return mounts_or.error();
  const auto& mounts = *mounts_or;

  LaunchSpec spec;
  auto& a = spec.argv;
  a = {options.program, "run", "--rm", "-i"};
  if (!env.name.empty()) a.insert(a.end(), {"--name", env.name});
  // docker reads --gpus as CSV: unquoted, device=0,1 would be two fields and the second one an error.
  a.insert(a.end(), {"--gpus", "\"device=" + join_gpus(env.gpus) + "\""});
  a.insert(a.end(), {"--network", env.host_network ? "host" : "none", "--ipc", env.host_ipc ? "host" : "private"});
  a.insert(a.end(), {"--security-opt", "no-new-privileges", "--cap-drop", "ALL"});
  // The image was built or pulled before the run; fetching it now would time the registry, not the GPU.
  a.insert(a.end(), {"--pull", "never"});
  for (const auto& m : mounts) a.insert(a.end(), {"-v", m});
  auto vars = worker_variables(env);
  // The toolkit mounts the driver libraries these name; images built here may not set it.
  vars.emplace("NVIDIA_DRIVER_CAPABILITIES", "compute,utility");
  for (const auto& [name, value] : vars) a.insert(a.end(), {"-e", name + "=" + value});
  // The worker replaces the image's entrypoint: NVIDIA's prints a banner on stdout, which is the protocol's.
  a.insert(a.end(), {"--entrypoint", env.worker_container_path, env.image});
  return spec;
}

}  // namespace gpucert::runtime

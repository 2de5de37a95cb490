// The launcher of an environment, by its kind, and what removes a container its client left behind.
#include "launchers.hpp"

namespace gpucert::runtime {

Outcome<LaunchSpec> launch(const Environment& env, const RuntimeOptions& options) {
  switch (env.kind) {
    case RuntimeKind::Native: {
      if (auto s = check_environment(env); !s) return s.error();
      if (env.worker_host_path.empty()) return GPUCERT_ERROR("native environment: no worker path");
      auto spec = native_launch(env.worker_host_path);
      for (const auto& [name, value] : worker_variables(env)) spec.set_env[name] = value;
      // Natively every GPU's node is there; CUDA then enumerates only these, numbered as nvidia-smi does.
      if (!env.gpus.empty()) {
        spec.set_env["CUDA_VISIBLE_DEVICES"] = join_gpus(env.gpus);
        spec.set_env["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID";
      }
      return spec;
    }
    case RuntimeKind::Docker:
      return docker_launch(env, options.docker);
    case RuntimeKind::Podman:
      return podman_launch(env, options.podman);
    case RuntimeKind::Apptainer:
      return apptainer_launch(env, options.apptainer);
    case RuntimeKind::Enroot:
      return enroot_launch(env, options.enroot);
    case RuntimeKind::Oci:
      return oci_launch(env, options.oci);
  }
  return GPUCERT_ERROR("unknown runtime");
}

std::optional<LaunchSpec> removal_launch(const Environment& env, const RuntimeOptions& options) {
  if (env.name.empty()) return std::nullopt;
  LaunchSpec spec;
  switch (env.kind) {
    case RuntimeKind::Docker:
      spec.argv = {options.docker.program, "rm", "--force", env.name};
      break;
    case RuntimeKind::Podman:
      spec.argv = {options.podman.program, "rm", "--force", env.name};
      break;
    case RuntimeKind::Oci:
      spec.argv = {options.oci.program, "delete", "--force", env.name};
      break;
    // apptainer and enroot containers are processes of their client: killing it ends them.
    case RuntimeKind::Native:
    case RuntimeKind::Apptainer:
    case RuntimeKind::Enroot:
      return std::nullopt;
  }
  return spec;
}

}  // namespace gpucert::runtime

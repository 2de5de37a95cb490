// apptainer (or singularity): `apptainer exec --nv IMAGE WORKER`.
#include "image_reference.hpp"
#include "launchers.hpp"

namespace gpucert::runtime {

Outcome<LaunchSpec> apptainer_launch(const Environment& env, const ApptainerOptions& options) {
  if (auto s = check_environment(env, RuntimeKind::Apptainer); !s) return s.error();
  if (is_image_uri(env.image))
    if (auto s = check_image_reference(env.image); !s) return s.error();
  // --bind takes a comma-separated list of SRC:DST:OPTIONS.
  auto binds_or = worker_binds(env, "apptainer --bind", ":,", "ro");
  if (!binds_or) return binds_or.error();
  const auto& binds = *binds_or;

  LaunchSpec spec;
  auto& a = spec.argv;
  a = {options.program, "exec", options.nvccli ? "--nvccli" : "--nv"};
  // --containall without its --ipc when NCCL needs the host's IPC namespace. apptainer always sets
  // no_new_privs on the contained process; --no-privs also drops every capability when started as root.
  a.insert(a.end(), {"--contain", "--cleanenv", "--pid"});
  if (!env.host_ipc) a.push_back("--ipc");
  if (!env.host_network) a.insert(a.end(), {"--net", "--network", "none"});
  a.push_back("--no-privs");
  for (const auto& b : binds) a.insert(a.end(), {"--bind", b});
  a.insert(a.end(), {env.image, env.worker_container_path});

  // Variables travel as <PREFIX>ENV_NAME in apptainer's own environment, not as --env: --env is parsed as
  // CSV, which would split CUDA_VISIBLE_DEVICES=0,1 and reinterpret quotes. --cleanenv keeps these.
  const bool singularity =
      options.program.size() >= 11 && options.program.compare(options.program.size() - 11, 11, "singularity") == 0;
  const std::string prefix = singularity ? "SINGULARITYENV_" : "APPTAINERENV_";
  for (const auto& [name, value] : worker_variables(env)) spec.set_env[prefix + name] = value;
  if (options.nvccli) {
    // Read by apptainer on the host, not passed in: nvidia-container-cli binds only these GPUs.
    spec.set_env["NVIDIA_VISIBLE_DEVICES"] = join_gpus(env.gpus);
    spec.set_env["NVIDIA_DRIVER_CAPABILITIES"] = "compute,utility";
  } else {
    // --nv binds every GPU's node even with --contain; CUDA then enumerates only these. Indices follow
    // nvidia-smi's PCI bus order, not CUDA's default fastest-first order.
    spec.set_env[prefix + "CUDA_VISIBLE_DEVICES"] = join_gpus(env.gpus);
    spec.set_env[prefix + "CUDA_DEVICE_ORDER"] = "PCI_BUS_ID";
  }
  return spec;
}

}  // namespace gpucert::runtime

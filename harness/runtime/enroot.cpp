// enroot: `enroot start IMAGE WORKER`, the container started as a child of the coordinator.
//
// Why not pyxis (`srun --container-image`): the coordinator already is the Slurm task and starts its worker
// as a child. srun from inside a step makes a nested step that asks the allocation for resources again
// (it needs --overlap and its own GPU binding, and can wait for resources the coordinator itself holds),
// while enroot start runs in the coordinator's step, inside the cgroup that already holds its GPUs. Pyxis is
// the way to run the whole coordinator in a container, a deployment choice rather than a worker launcher.
#include "image_reference.hpp"
#include "launchers.hpp"

namespace gpucert::runtime {
namespace {

// enroot's --mount is an fstab line with colons for spaces: a path with either would split.
constexpr std::string_view kMountSeparators = ": \t\n";

}  // namespace

Outcome<LaunchSpec> enroot_launch(const Environment& env, const EnrootOptions& options) {
  if (auto s = check_environment(env, RuntimeKind::Enroot); !s) return s.error();
  // enroot makes only mount and user namespaces: it cannot keep a worker off the host's network or IPC.
  if (!env.host_network || !env.host_ipc)
    return GPUCERT_ERROR(
        "enroot always shares the host's network and IPC namespaces; a private one needs "
        "another runtime (podman, docker, oci)");
  if (is_image_uri(env.image)) {
    if (auto s = check_image_reference(env.image); !s) return s.error();
    return GPUCERT_ERROR("enroot starts only local images, not '" + env.image +
                         "': import it once (`enroot import -o FILE.sqsh " + env.image + "`) and start FILE.sqsh");
  }
  auto mounts_or = worker_binds(env, "enroot --mount", kMountSeparators, "none:x-create=file,bind,ro,nosuid,nodev");
  if (!mounts_or) return mounts_or.error();
  const auto& mounts = *mounts_or;
  auto vars = worker_variables(env);
  // enroot's NVIDIA hook reads both from the container's variables and binds only these GPUs and the
  // driver's compute and NVML libraries.
  vars.emplace("NVIDIA_VISIBLE_DEVICES", join_gpus(env.gpus));
  vars.emplace("NVIDIA_DRIVER_CAPABILITIES", "compute,utility");
  for (const auto& [name, value] : vars)
    if (value.find('\n') != std::string::npos)
      return GPUCERT_ERROR("enroot keeps variables one a line, so the newline in " + name +
                           " would start a new variable; pass a value without newlines");

  // enroot runs unprivileged in a user namespace: nothing to drop, and no option for no_new_privs.
  // The root filesystem stays read-only (no --rw) and the user is not remapped to root (no --root).
  LaunchSpec spec;
  auto& a = spec.argv;
  a = {options.program, "start"};
  for (const auto& m : mounts) a.insert(a.end(), {"--mount", m});
  for (const auto& [name, value] : vars) a.insert(a.end(), {"--env", name + "=" + value});
  // "--" ends the options, so an image or container name is never read as one.
  a.insert(a.end(), {"--", env.image, env.worker_container_path});
  return spec;
}

Outcome<LaunchSpec> enroot_import_launch(const std::string& uri, const std::string& output,
                                         const EnrootOptions& options) {
  if (uri.rfind("docker://", 0) != 0 && uri.rfind("dockerd://", 0) != 0)
    return GPUCERT_ERROR("enroot imports docker:// or dockerd:// URIs, not '" + uri + "'");
  if (auto s = check_image_reference(uri); !s) return s.error();
  if (output.empty() || output.front() == '-')
    return GPUCERT_ERROR("enroot import needs an output file, got '" + output + "'");
  LaunchSpec spec;
  spec.argv = {options.program, "import", "--output", output, "--", uri};
  return spec;
}

}  // namespace gpucert::runtime

// oci: a bundle run by runc (or crun) directly, with no daemon and no container toolkit; the GPU comes in
// through the bundle's config.json (oci_config.hpp).
#include "launchers.hpp"

namespace gpucert::runtime {

Outcome<LaunchSpec> oci_launch(const Environment& env, const OciOptions& options) {
  if (auto s = check_environment(env, RuntimeKind::Oci); !s) return s.error();
  if (env.name.empty()) return GPUCERT_ERROR("oci environment: a name is needed, runc's id for the container");
  if (options.bundle_dir.empty() || options.bundle_dir.front() != '/')
    return GPUCERT_ERROR("oci: the bundle folder must be an absolute path, got '" + options.bundle_dir + "'");
  LaunchSpec spec;
  // In the foreground, with no terminal, runc hands its stdin and stdout to the worker: the protocol's pipes.
  spec.argv = {options.program, "run", "--bundle", options.bundle_dir, env.name};
  return spec;
}

}  // namespace gpucert::runtime

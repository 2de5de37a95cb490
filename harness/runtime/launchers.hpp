// Container launchers: pure functions from an Environment to the argv and variables that start the worker
// in it. Every argument is one argv element and none goes through a shell (process.cpp runs the argv as
// is), so an image name or a value with shell syntax in it stays literal. Least privilege everywhere: no
// --privileged, no added capability, no-new-privileges where the runtime has it, only the listed GPUs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "environment.hpp"
#include "launch_spec.hpp"
#include "toolkit_injection.hpp"

namespace gpucert::runtime {

struct DockerOptions {
  std::string program = "docker";
};

struct PodmanOptions {
  std::string program = "podman";
  // podman's OCI runtime; empty leaves podman's own choice. runc, because crun fails on hosts whose
  // cgroups are in hybrid mode (docs/ARCHITECTURE.md, "Containers on a CPU machine").
  std::string oci_runtime = "runc";
  // podman's default limits (nproc=32768) exceed the hard limits of some hosts and the container fails to
  // start; these fit everywhere seen so far. Each is one `--ulimit` value.
  std::vector<std::string> ulimits = {"nofile=1024:1024", "nproc=1024:1024"};
  // The CDI kind whose devices are named by GPU index or UUID (`gpucert cdi` or `nvidia-ctk cdi generate`).
  std::string cdi_kind = "nvidia.com/gpu";
};

struct ApptainerOptions {
  std::string program = "apptainer";  // or "singularity"
  // --nv binds every /dev/nvidia* node and leaves the choice to CUDA_VISIBLE_DEVICES; --nvccli lets
  // nvidia-container-cli bind only the listed GPUs (needs nvidia-container-cli on the host).
  bool nvccli = false;
};

struct EnrootOptions {
  std::string program = "enroot";
};

struct OciOptions {
  std::string program = "runc";  // or "crun": same command line. Looked up on PATH.
  std::string bundle_dir;        // holds config.json (oci_config.hpp); absolute
  // How the GPU is injected (toolkit_injection.hpp): legacy, as docker --gpus and the toolkit's hook do it
  // (the image's NVIDIA_* variables honoured, the libraries in the image's own library folder), or cdi, as
  // podman with the spec of `nvidia-ctk cdi generate` does it (libraries at their host paths).
  InjectionMode injection = InjectionMode::Legacy;
  // What the toolkit reads in the root filesystem (inspect_image_layout); filled in by start_environment_worker.
  ImageLayout layout;
  // A writable copy of the image's /etc made in the bundle (prepare_bundle_etc): bound over /etc so that the
  // container's ld cache can be rebuilt, as the toolkit does in the container's writable layer, while the
  // root stays read-only. Empty: no rebuild.
  std::string etc_dir;
  // The worker's identity inside. Root without capabilities by default, as in the docker and podman runs
  // it is compared with; the device nodes are world-readable, so any uid works.
  unsigned uid = 0;
  unsigned gid = 0;
  unsigned nofile = 1024;  // RLIMIT_NOFILE, soft and hard (runc's own default)
  // The image's own Env (its OCI image config's config.Env), which runc never reads: the process starts
  // with these, then the worker's variables and (legacy) the NVIDIA_VISIBLE_DEVICES docker --gpus sets go
  // on top, as docker and podman do it. gpucert adds no LD_LIBRARY_PATH. Empty: PATH alone is set.
  std::map<std::string, std::string> image_env;
  // `gpucert doctor`: start even when the host lacks a listed GPU or what CUDA needs of the driver, leaving
  // out what is missing, so the probe inside can tell what the container then sees.
  bool gpu_optional = false;
};

struct RuntimeOptions {
  DockerOptions docker;
  PodmanOptions podman;
  ApptainerOptions apptainer;
  EnrootOptions enroot;
  OciOptions oci;
};

Outcome<LaunchSpec> docker_launch(const Environment& env, const DockerOptions& options = {});
Outcome<LaunchSpec> podman_launch(const Environment& env, const PodmanOptions& options = {});
Outcome<LaunchSpec> apptainer_launch(const Environment& env, const ApptainerOptions& options = {});
Outcome<LaunchSpec> enroot_launch(const Environment& env, const EnrootOptions& options = {});
// `runc run --bundle DIR NAME`. The caller writes DIR/config.json first (oci_config, write_oci_config).
Outcome<LaunchSpec> oci_launch(const Environment& env, const OciOptions& options = {});

// `enroot import -o OUTPUT docker://...`: enroot starts only local images, so a registry image is imported
// into a squashfs file once, then started from it.
Outcome<LaunchSpec> enroot_import_launch(const std::string& uri, const std::string& output,
                                         const EnrootOptions& options = {});

// Any environment, by its kind.
Outcome<LaunchSpec> launch(const Environment& env, const RuntimeOptions& options = {});

// What removes the container after its client was killed (a killed `docker run` or `runc run` leaves the
// container, and its GPU, behind): `docker rm -f NAME`, `podman rm -f NAME`, `runc delete --force NAME`.
// Empty for runtimes whose container ends with its client, and when the environment has no name.
std::optional<LaunchSpec> removal_launch(const Environment& env, const RuntimeOptions& options = {});

}  // namespace gpucert::runtime

// `gpucert cdi`: a CDI spec of this host's GPUs for podman and other CDI runtimes, where nvidia-ctk is not
// installed. The spec itself is a pure function of the host's facts (runtime/cdi.hpp).
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "core/run_record.hpp"
#include "reports/report_files.hpp"
#include "runtime/cdi.hpp"
#include "runtime/host_facts.hpp"
#include "runtime/process.hpp"

namespace gpucert::cli {

CLI::App* add_cdi_command(CLI::App& app, CdiArgs& args) {
  auto* cmd = app.add_subcommand("cdi",
                                 "Write a CDI spec of this host's GPUs, as `nvidia-ctk cdi generate` does (for "
                                 "podman --device nvidia.com/gpu=N where nvidia-ctk is not installed)");
  cmd->add_option("--output", args.output, "File to write, e.g. /etc/cdi/nvidia.json; default: standard output");
  cmd->add_option("--kind", args.kind, "CDI kind of the devices")->capture_default_str();
  cmd->add_flag("--no-hooks", args.no_hooks,
                "Leave out the hooks (ld cache rebuild, forward compatibility): the libraries are then found only "
                "where the image's loader already looks");
  cmd->footer(
      "\nDevices are named by index (as nvidia-smi numbers them), by UUID, and 'all'. Every driver library "
      "and program is bound read-only at its host path; the hooks run this gpucert (`gpucert cdi hook`), so "
      "keep it where it is, or write the spec again. Example:\n"
      "  gpucert cdi --output /etc/cdi/nvidia.json\n"
      "  podman run --rm --device nvidia.com/gpu=0 IMAGE nvidia-smi -L\n");
  args.hook_command = cmd->add_subcommand("hook",
                                          "What the spec's createContainer hooks run (as nvidia-cdi-hook): reads "
                                          "the container's state on stdin");
  args.hook_command->add_option("name", args.hook, "update-ldcache or enable-cuda-compat")->required();
  args.hook_command->add_option("--folder", args.folders, "update-ldcache: a folder of injected libraries");
  args.hook_command->add_option("--host-driver-version", args.host_driver_version,
                                "enable-cuda-compat: the host driver release");
  return cmd;
}

namespace {

std::string this_program() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : self.string();
}

std::string host_ldconfig() {
  for (const char* path : {"/sbin/ldconfig", "/usr/sbin/ldconfig"})
    if (access(path, X_OK) == 0) return path;
  return {};
}

// Runs in the container's mount namespace before pivot_root (createContainer): the root is reachable at
// its host path, the host's ldconfig too.
int command_cdi_hook(const CdiArgs& args) {
  std::stringstream state;
  state << std::cin.rdbuf();
  auto root = runtime::container_root_from_state(state.str());
  if (!root) {
    std::cerr << "gpucert cdi hook: " << root.error().message << "\n";
    return kExitBadInput;
  }
  auto argv = runtime::run_cdi_hook(args.hook, *root, args.folders, args.host_driver_version, host_ldconfig());
  if (!argv) {
    std::cerr << "gpucert cdi hook " << args.hook << ": " << argv.error().message << "\n";
    return kExitEnvironment;
  }
  if (argv->empty()) return kExitPassed;
  runtime::LaunchSpec spec;
  spec.argv = *argv;
  auto done = runtime::run_to_completion(spec, std::chrono::seconds(60));
  if (!done || done->exit_code != 0) {
    std::cerr << "gpucert cdi hook update-ldcache: ldconfig failed: " << (done ? done->err : done.error().describe())
              << "\n";
    return kExitEnvironment;
  }
  return kExitPassed;
}

}  // namespace

int command_cdi(const CdiArgs& args) {
  if (args.hook_command && args.hook_command->parsed()) return command_cdi_hook(args);
  runtime::CdiOptions options;
  options.kind = args.kind;
  if (!args.no_hooks) options.hook_program = this_program();
  if (auto s = runtime::check_cdi_options(options); !s) {
    std::cerr << "gpucert cdi: " << s.error().message << "\n";
    return kExitBadInput;
  }
  auto facts = runtime::collect_host_facts();
  if (!facts) {
    std::cerr << "gpucert cdi: " << facts.error().describe() << "\n";
    return kExitEnvironment;
  }
  auto spec = runtime::cdi_spec(*facts, options);
  if (!spec) {
    std::cerr << "gpucert cdi: " << spec.error().message << "\n";
    return kExitEnvironment;
  }
  const auto text = spec->dump(2) + "\n";
  if (args.output.empty()) {
    std::cout << text;
  } else if (auto written = reports::write_file_atomically(args.output, text); !written) {
    std::cerr << "gpucert cdi: " << written.error().message << "\n";  // "cannot write PATH: why"
    return kExitBadInput;
  }
  std::cerr << "gpucert cdi: " << facts->gpus.size() << " GPU(s), " << facts->control_nodes.size()
            << " control node(s), " << facts->driver_libraries.size() << " driver librar"
            << (facts->driver_libraries.size() == 1 ? "y" : "ies") << (args.output.empty() ? "" : " in " + args.output)
            << "\n";
  return kExitPassed;
}

}  // namespace gpucert::cli

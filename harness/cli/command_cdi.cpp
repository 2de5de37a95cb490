// `gpucert cdi`: a CDI spec of this host's GPUs for podman and other CDI runtimes, where nvidia-ctk is not
// installed. The spec itself is a pure function of the host's facts (runtime/cdi.hpp).
#include <cstdio>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "core/run_record.hpp"
#include "runtime/cdi.hpp"
#include "runtime/host_facts.hpp"

namespace gpucert::cli {
namespace {

bool write_whole(const std::string& path, const std::string& text) {
  const auto temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return false;
  }
  if (std::rename(temporary.c_str(), path.c_str()) == 0) return true;
  std::remove(temporary.c_str());
  return false;
}

}  // namespace

CLI::App* add_cdi_command(CLI::App& app, CdiArgs& args) {
  auto* cmd = app.add_subcommand("cdi", "Write a CDI spec of this host's GPUs (for podman --device nvidia.com/gpu=N "
                                        "where nvidia-ctk is not installed)");
  cmd->add_option("--output", args.output, "File to write, e.g. /etc/cdi/nvidia.json; default: standard output");
  cmd->add_option("--kind", args.kind, "CDI kind of the devices")->capture_default_str();
  cmd->add_option("--driver-dir", args.driver_dir,
                  "Folder inside the container for the driver libraries; it must be on the image's LD_LIBRARY_PATH")
      ->capture_default_str();
  cmd->footer("\nDevices are named by index (as nvidia-smi numbers them), by UUID, and 'all'. Example:\n"
              "  gpucert cdi --output /etc/cdi/nvidia.json\n"
              "  podman run --rm --device nvidia.com/gpu=0 IMAGE nvidia-smi -L\n");
  return cmd;
}

int command_cdi(const CdiArgs& args) {
  runtime::CdiOptions options;
  options.kind = args.kind;
  options.driver_dir = args.driver_dir;
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
  } else if (!write_whole(args.output, text)) {
    std::cerr << "gpucert cdi: cannot write " << args.output << "\n";
    return kExitBadInput;
  }
  std::cerr << "gpucert cdi: " << facts->gpus.size() << " GPU(s), " << facts->control_nodes.size()
            << " control node(s), " << facts->driver_libraries.size() << " driver librar"
            << (facts->driver_libraries.size() == 1 ? "y" : "ies") << (args.output.empty() ? "" : " in " + args.output)
            << "\n";
  return kExitPassed;
}

}  // namespace gpucert::cli

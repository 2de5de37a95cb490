#include "cdi.hpp"

#include <set>

namespace gpucert::runtime {
namespace {

using nlohmann::json;

// Paths only: the runtime reads type and numbers from the host node when it starts the container, so a
// spec stays right when a driver reload gives nvidia-uvm another major number.
json node(const DeviceNode& n) {
  json out = {{"path", n.path}, {"permissions", "rw"}};
  if (!n.host_path.empty() && n.host_path != n.path) out["hostPath"] = n.host_path;
  return out;
}

}  // namespace

Status check_cdi_options(const CdiOptions& options) {
  const auto& kind = options.kind;
  const auto slash = kind.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == kind.size() || kind.find('/', slash + 1) != std::string::npos)
    return GPUCERT_ERROR("CDI kind '" + kind + "' is not of the form vendor.com/class");
  if (options.driver_dir.empty() || options.driver_dir.front() != '/')
    return GPUCERT_ERROR("the driver folder must be an absolute path, got '" + options.driver_dir + "'");
  return ok_status();
}

Outcome<json> cdi_spec(const HostFacts& facts, const CdiOptions& options) {
  if (auto s = check_cdi_options(options); !s) return s.error();
  if (facts.gpus.empty()) return GPUCERT_ERROR("no NVIDIA GPU device node (/dev/nvidia0, ...) on this host");
  if (auto s = check_driver_facts(facts); !s) return s.error();

  json devices = json::array();
  json all_nodes = json::array();
  for (const auto& gpu : facts.gpus) {
    const json edits = {{"deviceNodes", {node(gpu.node)}}};
    devices.push_back({{"name", std::to_string(gpu.index)}, {"containerEdits", edits}});
    if (!gpu.uuid.empty()) devices.push_back({{"name", gpu.uuid}, {"containerEdits", edits}});
    all_nodes.push_back(node(gpu.node));
  }
  devices.push_back({{"name", "all"}, {"containerEdits", {{"deviceNodes", all_nodes}}}});

  json control = json::array();
  for (const auto& n : facts.control_nodes) control.push_back(node(n));
  json mounts = json::array();
  std::set<std::string> names;
  for (const auto& library : facts.driver_libraries) {
    const auto name = library.substr(library.rfind('/') + 1);
    if (!names.insert(name).second) continue;
    mounts.push_back({{"hostPath", library},
                      {"containerPath", options.driver_dir + "/" + name},
                      {"options", {"ro", "nosuid", "nodev", "bind"}}});
  }
  // 0.5.0: what podman 4 and containerd 1.7 read, and the first with a node's hostPath.
  return json{{"cdiVersion", "0.5.0"},
              {"kind", options.kind},
              {"devices", devices},
              {"containerEdits", {{"deviceNodes", control}, {"mounts", mounts}}}};
}

}  // namespace gpucert::runtime

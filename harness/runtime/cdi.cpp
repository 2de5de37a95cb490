#include "cdi.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "image_files.hpp"
#include "oci_config.hpp"
#include "toolkit_injection.hpp"

namespace gpucert::runtime {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Paths only: the runtime reads type and numbers from the host node when it starts the container, so a
// spec stays right when a driver reload gives nvidia-uvm another major number.
json node(const DeviceNode& n) {
  json out = {{"path", n.path}, {"permissions", "rw"}};
  if (!n.host_path.empty() && n.host_path != n.path) out["hostPath"] = n.host_path;
  return out;
}

json hook(const std::string& program, std::vector<std::string> args) {
  args.insert(args.begin(), {program, "cdi", "hook"});
  return {{"hookName", "createContainer"}, {"path", program}, {"args", args}};
}

std::string dirname(const std::string& path) { return path.substr(0, path.rfind('/')); }

}  // namespace

Status check_cdi_options(const CdiOptions& options) {
  const auto& kind = options.kind;
  const auto slash = kind.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == kind.size() ||
      kind.find('/', slash + 1) != std::string::npos)
    return GPUCERT_ERROR("CDI kind '" + kind + "' is not of the form vendor.com/class");
  if (!options.hook_program.empty() && options.hook_program.front() != '/')
    return GPUCERT_ERROR("the hook program must be an absolute path, got '" + options.hook_program + "'");
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

  // The same plan the oci runtime follows under CDI: every library and program at its host path.
  const auto driver = host_driver(facts);
  auto plan = plan_injection(InjectionMode::Cdi, {}, {"all"}, ImageLayout{}, facts, driver);
  if (!plan) return plan.error();
  json control = json::array();
  for (const auto& n : facts.control_nodes) control.push_back(node(n));
  json mounts = json::array();
  std::string libcuda_dir;
  std::set<std::string> folders;
  for (const auto& bind : plan->libraries) {
    mounts.push_back(
        {{"hostPath", bind.host}, {"containerPath", bind.container}, {"options", {"ro", "nosuid", "nodev", "bind"}}});
    folders.insert(dirname(bind.container));
    if (bind.container.size() > 13 && bind.container.compare(bind.container.size() - 13, 13, "/libcuda.so.1") == 0)
      libcuda_dir = dirname(bind.container);
  }
  for (const auto& bind : plan->programs)
    mounts.push_back(
        {{"hostPath", bind.host}, {"containerPath", bind.container}, {"options", {"ro", "nosuid", "nodev", "bind"}}});
  json edits = {{"env", {"NVIDIA_VISIBLE_DEVICES=void"}}, {"deviceNodes", control}, {"mounts", mounts}};
  if (!libcuda_dir.empty()) edits["env"].insert(edits["env"].begin(), "NVIDIA_CTK_LIBCUDA_DIR=" + libcuda_dir);
  if (!options.hook_program.empty()) {
    json hooks = json::array();
    if (!driver.release.empty())
      hooks.push_back(hook(options.hook_program, {"enable-cuda-compat", "--host-driver-version=" + driver.release}));
    std::vector<std::string> update = {"update-ldcache"};
    for (const auto& folder : folders) {
      update.push_back("--folder");
      update.push_back(folder);
    }
    hooks.push_back(hook(options.hook_program, update));
    edits["hooks"] = hooks;
  }
  // 0.5.0: what podman 4 and containerd 1.7 read, and the first with a node's hostPath.
  return json{{"cdiVersion", "0.5.0"}, {"kind", options.kind}, {"devices", devices}, {"containerEdits", edits}};
}

Outcome<std::vector<std::string>> run_cdi_hook(const std::string& hook_name, const std::string& root,
                                               const std::vector<std::string>& folders,
                                               const std::string& host_driver_release, const std::string& ldconfig) {
  if (root.empty() || root.front() != '/' || root == "/")
    return GPUCERT_ERROR("the container's root '" + root + "' is not an absolute folder other than /");
  std::error_code ec;
  const fs::path conf_d = resolve_in_root(root, "/etc/ld.so.conf.d");
  auto write_conf = [&](const std::string& name, const std::vector<std::string>& dirs) -> Status {
    fs::create_directories(conf_d, ec);
    std::ofstream out(conf_d / name, std::ios::trunc);
    for (const auto& d : dirs) out << d << "\n";
    if (!out) return GPUCERT_ERROR("cannot write " + (conf_d / name).string());
    return ok_status();
  };
  if (hook_name == "enable-cuda-compat") {
    const auto layout = inspect_image_layout(root, "x86_64");
    if (layout.compat_libcuda.empty() || !toolkit::cuda_compat(layout.compat_libcuda, host_driver_release).use)
      return std::vector<std::string>{};
    if (auto s = write_conf("00-compat-gpucert.conf", {"/usr/local/cuda/compat"}); !s) return s.error();
    return std::vector<std::string>{};
  }
  if (hook_name != "update-ldcache")
    return GPUCERT_ERROR("unknown hook '" + hook_name + "': enable-cuda-compat or update-ldcache");
  if (ldconfig.empty()) return GPUCERT_ERROR("no ldconfig on this host to rebuild the container's ld cache");
  if (auto s = write_conf("00-nvcr-gpucert.conf", folders); !s) return s.error();
  ImageLayout layout;
  layout.debian_family = fs::exists(resolve_in_root(root, "/etc/debian_version"), ec);
  HostFacts none;  // only the image's system folders are wanted of this plan: zz-, last
  auto plan = plan_injection(InjectionMode::Cdi, {}, {"none"}, layout, none, {});
  if (plan)
    for (const auto& [name, dirs] : plan->ld_conf_files)
      if (name.rfind("zz-", 0) == 0)
        if (auto s = write_conf(name, dirs); !s) return s.error();
  const auto top = resolve_in_root(root, "/etc/ld.so.conf");
  if (!fs::exists(top, ec) && !fs::is_symlink(top, ec)) std::ofstream(top) << "include /etc/ld.so.conf.d/*.conf\n";
  return std::vector<std::string>{ldconfig, "-r", root, "-f", "/etc/ld.so.conf", "-C", "/etc/ld.so.cache"};
}

Outcome<std::string> container_root_from_state(const std::string& state_json) {
  json state;
  try {
    state = json::parse(state_json);
  } catch (const json::exception& e) {
    return GPUCERT_ERROR(std::string("the container state on stdin is not JSON: ") + e.what());
  }
  std::string bundle = state.value("bundle", state.value("bundlePath", std::string()));
  if (bundle.empty()) return GPUCERT_ERROR("the container state names no bundle");
  std::ifstream in(fs::path(bundle) / "config.json");
  if (!in) return GPUCERT_ERROR("cannot read " + bundle + "/config.json");
  json config;
  try {
    config = json::parse(in);
  } catch (const json::exception& e) {
    return GPUCERT_ERROR(bundle + "/config.json is not JSON: " + e.what());
  }
  const std::string root = config.contains("root") ? config["root"].value("path", std::string()) : std::string();
  if (root.empty()) return GPUCERT_ERROR(bundle + "/config.json names no root");
  return root.front() == '/' ? root : (fs::path(bundle) / root).lexically_normal().string();
}

}  // namespace gpucert::runtime

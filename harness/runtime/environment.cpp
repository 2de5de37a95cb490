#include "environment.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace gpucert::runtime {
namespace {

bool all_of(std::string_view text, bool (*ok)(char)) { return std::all_of(text.begin(), text.end(), ok); }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_uuid_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '/'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }
bool is_variable_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
// Inside the container the worker's path is ours to choose; keeping it plain lets every runtime's mount
// syntax carry it unquoted.
bool is_plain_path_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' || c == '-' || c == '+';
}

Status check_gpu(const std::string& id) {
  // An index, or a GPU/MIG UUID. "all" and lists are refused: the launcher must know which GPUs it exposes.
  const bool index = !id.empty() && id.size() <= 4 && all_of(id, is_digit);
  const bool uuid = (id.rfind("GPU-", 0) == 0 || id.rfind("MIG-", 0) == 0) && id.size() > 4 && all_of(id, is_uuid_char);
  if (index || uuid) return ok_status();
  return GPUCERT_ERROR("GPU '" + id +
                       "' is neither an index (0, 1, ...) nor a UUID (GPU-...): name each GPU "
                       "to expose, as `nvidia-smi -L` lists them");
}

Status check_absolute(const std::string& path, const std::string& what) {
  if (path.empty() || path.front() != '/') return GPUCERT_ERROR(what + " must be an absolute path, got '" + path + "'");
  if (path.find('\0') != std::string::npos) return GPUCERT_ERROR(what + " contains a NUL byte");
  return ok_status();
}

}  // namespace

std::string_view to_string(RuntimeKind kind) {
  switch (kind) {
    case RuntimeKind::Native:
      return "native";
    case RuntimeKind::Docker:
      return "docker";
    case RuntimeKind::Podman:
      return "podman";
    case RuntimeKind::Apptainer:
      return "apptainer";
    case RuntimeKind::Enroot:
      return "enroot";
    case RuntimeKind::Oci:
      return "oci";
  }
  return "unknown";
}

Outcome<RuntimeKind> parse_runtime_kind(std::string_view text) {
  for (auto kind : {RuntimeKind::Native, RuntimeKind::Docker, RuntimeKind::Podman, RuntimeKind::Apptainer,
                    RuntimeKind::Enroot, RuntimeKind::Oci})
    if (text == to_string(kind)) return kind;
  return GPUCERT_ERROR("unknown runtime '" + std::string(text) +
                       "': expected native, docker, podman, apptainer, enroot or oci");
}

Status check_environment(const Environment& env) {
  const std::string where = std::string(to_string(env.kind)) + " environment: ";
  auto fail = [&](const Error& e) { return GPUCERT_ERROR(where + e.message); };
  if (env.kind != RuntimeKind::Native) {
    if (env.gpus.empty()) return GPUCERT_ERROR(where + "no GPU given; name the GPUs to expose (e.g. 0 or GPU-<uuid>)");
    if (env.image.empty()) return GPUCERT_ERROR(where + "no image given");
    // An image is the argument right after the options: a leading '-' would make it one of them.
    if (env.image.front() == '-') return GPUCERT_ERROR(where + "image '" + env.image + "' starts with '-'");
    if (env.image.find('\0') != std::string::npos) return GPUCERT_ERROR(where + "image contains a NUL byte");
  }
  std::set<std::string> seen;
  for (const auto& gpu : env.gpus) {
    if (auto s = check_gpu(gpu); !s) return fail(s.error());
    if (!seen.insert(gpu).second) return GPUCERT_ERROR(where + "GPU '" + gpu + "' is listed twice");
  }
  if (auto s = check_absolute(env.worker_container_path, "worker_container_path"); !s) return fail(s.error());
  if (!all_of(env.worker_container_path, is_plain_path_char) ||
      env.worker_container_path.find("..") != std::string::npos)
    return GPUCERT_ERROR(where + "worker_container_path '" + env.worker_container_path +
                         "' may hold only letters, digits and / . _ - +");
  if (!env.worker_host_path.empty())
    if (auto s = check_absolute(env.worker_host_path, "worker_host_path"); !s) return fail(s.error());
  if (!env.support_library_host_dir.empty())
    if (auto s = check_absolute(env.support_library_host_dir, "support_library_host_dir"); !s) return fail(s.error());
  for (const auto& plugin : env.plugin_host_paths)
    if (auto s = check_absolute(plugin, "plugin path"); !s) return fail(s.error());
  for (const auto& [name, value] : env.extra_env) {
    if (name.empty() || is_digit(name.front()) || !all_of(name, is_variable_char))
      return GPUCERT_ERROR(where + "'" + name + "' is not a valid variable name");
    if (value.find('\0') != std::string::npos)
      return GPUCERT_ERROR(where + "value of " + name + " contains a NUL byte");
    if (name == "NVIDIA_VISIBLE_DEVICES" || name == "CUDA_VISIBLE_DEVICES")
      return GPUCERT_ERROR(where + name + " is set from the environment's GPU list; list the GPUs there instead");
    if (name == "NCCL_NVLS_ENABLE" && value != "0")
      return GPUCERT_ERROR(where + "NCCL_NVLS_ENABLE=" + value +
                           " refused: NVLink multicast stays off in every environment gpucert starts");
  }
  if (!env.name.empty() &&
      (!std::isalnum(static_cast<unsigned char>(env.name.front())) || !all_of(env.name, is_name_char)))
    return GPUCERT_ERROR(where + "name '" + env.name + "' may hold only letters, digits, '_', '-' and '.'");
  return ok_status();
}

Status check_environment(const Environment& env, RuntimeKind launcher) {
  if (env.kind != launcher)
    return GPUCERT_ERROR("a " + std::string(to_string(env.kind)) + " environment was given to the " +
                         std::string(to_string(launcher)) + " launcher");
  return check_environment(env);
}

std::map<std::string, std::string> worker_variables(const Environment& env) {
  auto vars = env.extra_env;
  // Multicast over NVLink can take a shared host's GPUs down; gpucert never asks for it.
  vars["NCCL_NVLS_ENABLE"] = "0";
  return vars;
}

std::string join_gpus(const std::vector<std::string>& gpus) {
  std::string out;
  for (const auto& gpu : gpus) out += (out.empty() ? "" : ",") + gpu;
  return out;
}

Status check_mount_path(const std::string& path, std::string_view runtime, std::string_view separators) {
  for (const char c : path)
    if (separators.find(c) != std::string_view::npos) {
      const std::string shown = c == '\n'                                     ? "a newline"
                                : std::isspace(static_cast<unsigned char>(c)) ? "a space"
                                                                              : std::string("'") + c + "'";
      return GPUCERT_ERROR("cannot mount '" + path + "' with " + std::string(runtime) + ": the path contains " + shown +
                           ", which " + std::string(runtime) +
                           " reads as a separator; move or link the file to a plain path");
    }
  return ok_status();
}

std::string plugin_container_path(const Environment& env, const std::string& plugin_host_path) {
  const auto dir = env.worker_container_path.substr(0, env.worker_container_path.rfind('/') + 1);
  return dir + plugin_host_path.substr(plugin_host_path.rfind('/') + 1);
}

std::string support_library_container_dir(const Environment& env) {
  const auto bin = env.worker_container_path.substr(0, env.worker_container_path.rfind('/'));
  return bin.substr(0, bin.rfind('/') + 1) + "lib";
}

Outcome<std::vector<std::string>> worker_binds(const Environment& env, std::string_view runtime,
                                               std::string_view separators, std::string_view options) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (!env.worker_host_path.empty()) pairs.emplace_back(env.worker_host_path, env.worker_container_path);
  for (const auto& plugin : env.plugin_host_paths) pairs.emplace_back(plugin, plugin_container_path(env, plugin));
  if (!env.support_library_host_dir.empty())
    pairs.emplace_back(env.support_library_host_dir, support_library_container_dir(env));
  std::vector<std::string> binds;
  for (const auto& [host, container] : pairs) {
    if (auto s = check_mount_path(host, runtime, separators); !s) return s.error();
    binds.push_back(host + ":" + container + ":" + std::string(options));
  }
  return binds;
}

}  // namespace gpucert::runtime

#include "environment_worker.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>

#include "image_files.hpp"
#include "oci_config.hpp"
#include "process.hpp"

namespace gpucert::runtime {
namespace {

namespace fs = std::filesystem;

void remove_container(const Environment& env, const RuntimeOptions& options) {
  if (auto removal = removal_launch(env, options)) (void)run_to_completion(*removal, std::chrono::seconds(30));
}

// runc makes the mount point of every file bind that the root filesystem lacks, as an empty file in the
// image's own folder, and leaves it there. Left behind, an empty libcuda.so.1 in a folder of the image's
// LD_LIBRARY_PATH breaks the next run under another injection ("file too short", CUDA error 35). So the
// bundle lists the mount points it will make (bundle/mountpoints), and removal deletes those still empty.
const char* const kMountpointList = "mountpoints";

void record_mountpoints(const fs::path& bundle, const std::string& rootfs, const nlohmann::json& config) {
  std::ofstream out(bundle / kMountpointList);
  std::error_code ec;
  for (const auto& m : config["mounts"]) {
    if (m.value("type", "") != "bind") continue;
    const auto source = m.value("source", "");
    if (source.empty() || fs::is_directory(source, ec)) continue;
    const auto target = resolve_in_root(rootfs, m.value("destination", ""));
    if (!fs::exists(target, ec) && !fs::is_symlink(target, ec)) out << target << "\n";
  }
}

void remove_bundle(const fs::path& dir) {
  std::error_code ec;
  if (dir.empty()) return;
  std::ifstream list(dir / kMountpointList);
  for (std::string path; std::getline(list, path);)
    if (fs::is_regular_file(path, ec) && !fs::is_symlink(path, ec) && fs::file_size(path, ec) == 0)
      fs::remove(path, ec);
  fs::remove_all(dir, ec);
}

// A fresh folder under scratch_dir: two workers started at once never share a bundle.
Outcome<fs::path> make_bundle_dir(const fs::path& scratch_dir) {
  std::error_code ec;
  fs::create_directories(scratch_dir, ec);
  if (ec) return GPUCERT_ERROR("cannot create " + scratch_dir.string() + ": " + ec.message());
  auto pattern = (scratch_dir / "gpucert-bundle-XXXXXX").string();
  if (!mkdtemp(pattern.data())) return GPUCERT_ERROR("cannot create a bundle folder in " + scratch_dir.string());
  return fs::path(pattern);
}

std::string fresh_name() {
  static std::atomic<int> counter{0};
  return "gpucert-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

}  // namespace

StartedWorker::StartedWorker(WorkerClient client, Environment environment, RuntimeOptions options, fs::path bundle_dir)
    : client_(std::move(client)),
      environment_(std::move(environment)),
      options_(std::move(options)),
      bundle_dir_(std::move(bundle_dir)) {}

StartedWorker::StartedWorker(StartedWorker&& other) noexcept
    : client_(std::move(other.client_)),
      environment_(std::move(other.environment_)),
      options_(std::move(other.options_)),
      bundle_dir_(std::move(other.bundle_dir_)) {
  other.client_.reset();
  other.bundle_dir_.clear();
}

StartedWorker::~StartedWorker() { stop(); }

void StartedWorker::stop() {
  if (!client_) return;
  client_->quit();
  client_.reset();
  remove_container(environment_, options_);
  remove_bundle(bundle_dir_);
  bundle_dir_.clear();
}

Outcome<std::map<std::string, std::string>> image_env_from_config(const nlohmann::json& config) {
  if (!config.is_object()) return GPUCERT_ERROR("the image config is not a JSON object");
  const nlohmann::json* list = nullptr;
  if (auto c = config.find("config"); c != config.end() && c->is_object()) {
    if (auto e = c->find("Env"); e != c->end()) list = &*e;
  } else if (auto e = config.find("Env"); e != config.end()) {
    list = &*e;
  }
  std::map<std::string, std::string> env;
  if (!list || list->is_null()) return env;
  if (!list->is_array()) return GPUCERT_ERROR("the image config's Env is not a list");
  for (const auto& item : *list) {
    if (!item.is_string()) return GPUCERT_ERROR("the image config's Env holds a non-string: " + item.dump());
    const auto text = item.get<std::string>();
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
      return GPUCERT_ERROR("the image config's Env entry '" + text + "' is not NAME=VALUE");
    env[text.substr(0, eq)] = text.substr(eq + 1);
  }
  return env;
}

Outcome<std::map<std::string, std::string>> read_image_env(const fs::path& rootfs) {
  auto root = rootfs.lexically_normal();
  if (!root.has_filename()) root = root.parent_path();  // "/b/rootfs/" -> "/b/rootfs"
  const auto file = root.parent_path() / "image-config.json";
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::map<std::string, std::string>{};
  std::ifstream in(file);
  auto config = nlohmann::json::parse(in, nullptr, false);
  if (!in.good() && !in.eof()) return GPUCERT_ERROR("cannot read " + file.string());
  if (config.is_discarded()) return GPUCERT_ERROR(file.string() + " is not JSON");
  auto env = image_env_from_config(config);
  if (!env) return GPUCERT_ERROR(file.string() + ": " + env.error().message);
  return env;
}

void carry_host_worker(Environment& env, const std::string& worker_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  env.worker_host_path = fs::absolute(worker_path, ec).lexically_normal().string();
  const auto bin = fs::path(env.worker_host_path).parent_path();
  env.plugin_host_paths.clear();
  for (const auto& entry : fs::directory_iterator(bin, ec)) {
    const auto file = entry.path().filename().string();
    if (file.rfind("libgpucert-", 0) == 0 && entry.path().extension() == ".so")
      env.plugin_host_paths.push_back(entry.path().string());
  }
  std::sort(env.plugin_host_paths.begin(), env.plugin_host_paths.end());
  const auto lib = bin.parent_path() / "lib";
  env.support_library_host_dir = fs::is_directory(lib, ec) ? lib.string() : std::string();
}

Outcome<StartedWorker> start_environment_worker(const Environment& env_in, const RuntimeOptions& options_in,
                                                const fs::path& scratch_dir, const StartOptions& start) {
  Environment env = env_in;
  RuntimeOptions options = options_in;
  fs::path bundle;
  if (env.kind == RuntimeKind::Oci) {
    if (env.name.empty()) env.name = fresh_name();
    if (env.image.empty() || env.image.front() != '/')
      return GPUCERT_ERROR("oci environment: the image must be the absolute path of a root filesystem, got '" +
                           env.image + "'");
    if (std::error_code ec; !fs::is_directory(env.image, ec))
      return GPUCERT_ERROR("oci environment: " + env.image + " is not a root filesystem folder");
    if (start.read_image_config) {
      auto image_env = read_image_env(env.image);
      if (!image_env) return image_env.error();
      for (auto& [name, value] : *image_env) options.oci.image_env.emplace(name, value);  // given entries win
    }
    options.oci.gpu_optional = options.oci.gpu_optional || start.gpu_optional;
    HostFacts facts;
    if (start.host_facts) {
      facts = *start.host_facts;
    } else {
      auto collected = collect_host_facts();
      if (!collected && !options.oci.gpu_optional) return collected.error();
      if (collected) facts = std::move(*collected);
    }
    utsname host{};
    options.oci.layout = inspect_image_layout(env.image, uname(&host) == 0 ? host.machine : "x86_64");
    auto plan = oci_injection(env, facts, options.oci);
    if (!plan) return GPUCERT_ERROR("the container toolkit would refuse this container: " + plan.error().message);
    auto dir = make_bundle_dir(scratch_dir.empty() ? fs::temp_directory_path() : scratch_dir);
    if (!dir) return dir.error();
    bundle = *dir;
    options.oci.bundle_dir = bundle.string();
    if (plan->inject && !facts.ldconfig.empty()) {
      auto etc = prepare_bundle_etc(env.image, bundle.string(), *plan);
      if (!etc) {
        remove_bundle(bundle);
        return etc.error();
      }
      options.oci.etc_dir = *etc;
    }
    auto config = oci_config(env, facts, options.oci);
    if (!config) {
      remove_bundle(bundle);
      return config.error();
    }
    record_mountpoints(bundle, env.image, *config);
    if (auto s = write_oci_config(options.oci.bundle_dir, *config); !s) {
      remove_bundle(bundle);
      return s.error();
    }
  }
  auto spec = launch(env, options);
  if (!spec) {
    remove_bundle(bundle);
    return spec.error();
  }
  auto client = WorkerClient::start(*spec);
  if (!client) {
    remove_container(env, options);
    remove_bundle(bundle);
    return client.error();
  }
  // A worker killed mid-run is started again from the same launch: the runtime's leftover goes first.
  client->set_before_restart([env, options] { remove_container(env, options); });
  return StartedWorker(std::move(*client), std::move(env), std::move(options), std::move(bundle));
}

}  // namespace gpucert::runtime

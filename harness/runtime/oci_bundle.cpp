// The oci runtime's file operations: a bundle's config.json, what the toolkit reads in the root
// filesystem, and the bundle's writable copy of /etc.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "image_files.hpp"
#include "oci_config.hpp"

namespace gpucert::runtime {

Status write_oci_config(const std::string& bundle_dir, const nlohmann::json& config) {
  const auto path = bundle_dir + "/config.json";
  const auto temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << config.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    out.flush();
    if (!out) return GPUCERT_ERROR("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return GPUCERT_ERROR("cannot move " + temporary + " to " + path);
  }
  return ok_status();
}

}  // namespace gpucert::runtime

namespace gpucert::runtime {
namespace {

namespace fs = std::filesystem;

fs::path inside(const fs::path& root, const std::string& path) { return resolve_in_root(root.string(), path); }

}  // namespace

ImageLayout inspect_image_layout(const std::string& rootfs, const std::string& machine) {
  ImageLayout layout;
  std::error_code ec;
  layout.machine = machine;
  layout.debian_family = fs::exists(inside(rootfs, "/etc/debian_version"), ec);
  std::vector<std::string> compat;
  for (const auto& entry : fs::directory_iterator(inside(rootfs, "/usr/local/cuda/compat"), ec)) {
    const auto name = entry.path().filename().string();
    // libcuda.so.*.*: the release-named file, not its libcuda.so.1 link
    if (name.rfind("libcuda.so.", 0) == 0 && name.find('.', 11) != std::string::npos) compat.push_back(name);
  }
  if (compat.size() == 1) layout.compat_libcuda = compat.front();  // several: the toolkit uses none
  return layout;
}

Outcome<std::string> prepare_bundle_etc(const std::string& rootfs, const std::string& bundle_dir,
                                        const InjectionPlan& plan) {
  const fs::path etc = fs::path(bundle_dir) / "etc";
  std::error_code ec;
  const auto image_etc = inside(rootfs, "/etc");
  fs::create_directories(etc, ec);
  if (ec) return GPUCERT_ERROR("cannot create " + etc.string() + ": " + ec.message());
  if (fs::is_directory(image_etc, ec)) {
    fs::copy(image_etc, etc,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks | fs::copy_options::overwrite_existing, ec);
    if (ec)
      return GPUCERT_ERROR("cannot copy the image's /etc (" + image_etc.string() +
                           ") into the bundle: " + ec.message());
  }
  fs::create_directories(etc / "ld.so.conf.d", ec);
  // As the toolkit's ldconfig hook: a root without ld.so.conf gets one that reads ld.so.conf.d.
  if (!fs::exists(etc / "ld.so.conf", ec) && !fs::is_symlink(etc / "ld.so.conf", ec)) {
    std::ofstream conf(etc / "ld.so.conf");
    conf << "include /etc/ld.so.conf.d/*.conf\n";
    if (!conf) return GPUCERT_ERROR("cannot write " + (etc / "ld.so.conf").string());
  }
  for (const auto& [name, dirs] : plan.ld_conf_files) {
    if (dirs.empty()) continue;
    std::ofstream conf(etc / "ld.so.conf.d" / name, std::ios::trunc);
    for (const auto& dir : dirs) conf << dir << "\n";
    if (!conf) return GPUCERT_ERROR("cannot write " + (etc / "ld.so.conf.d" / name).string());
  }
  return etc.string();
}

}  // namespace gpucert::runtime

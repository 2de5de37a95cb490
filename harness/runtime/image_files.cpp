#include "image_files.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace gpucert::runtime {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path, std::size_t limit = 1 << 20) {
  std::ifstream in(path);
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(limit));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// The image-relative path of a host path under the root.
std::string image_path(const std::string& rootfs, const fs::path& host) {
  auto rel = host.lexically_relative(rootfs).string();
  return rel.empty() || rel == "." ? "/" : "/" + rel;
}

// ld.so.conf: folders, "include PATTERN" lines (a glob in the last part only, as every distribution writes
// them), comments. Depth-limited against include loops.
void read_ld_conf(const std::string& rootfs, const std::string& file, std::vector<std::string>& dirs, int depth) {
  if (depth > 8) return;
  std::istringstream lines(read_text(resolve_in_root(rootfs, file)));
  std::string line;
  while (std::getline(lines, line)) {
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    if (line.rfind("include", 0) == 0 && line.size() > 7 && (line[7] == ' ' || line[7] == '\t')) {
      auto pattern = trim(line.substr(8));
      if (!pattern.empty() && pattern.front() != '/') pattern = fs::path(file).parent_path().string() + "/" + pattern;
      const auto slash = pattern.rfind('/');
      const auto dir = pattern.substr(0, slash == 0 ? 1 : slash);
      const auto glob = pattern.substr(slash + 1);
      // glob -> regex: '*' and '?' only
      std::string re;
      for (char c : glob)
        re += c == '*'   ? std::string(".*")
              : c == '?' ? std::string(".")
                         : std::string(std::isalnum(static_cast<unsigned char>(c)) ? "" : "\\") + c;
      std::vector<std::string> names;
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(resolve_in_root(rootfs, dir), ec))
        if (std::regex_match(entry.path().filename().string(), std::regex(re)))
          names.push_back(entry.path().filename().string());
      std::sort(names.begin(), names.end());
      for (const auto& name : names) read_ld_conf(rootfs, dir + "/" + name, dirs, depth + 1);
      continue;
    }
    if (line.rfind("hwcap", 0) == 0) continue;
    // "dir=type" (old libc5 syntax) keeps the folder.
    line = line.substr(0, line.find('='));
    if (line.front() == '/') dirs.push_back(line);
  }
}

void add_unique(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

// The symlink chain's end, inside the image; empty for a plain file.
std::string link_target(const std::string& rootfs, const std::string& path) {
  std::error_code ec;
  // The folder resolved inside the root first: a link on the way (/usr/local/cuda -> /usr/local/cuda-13.0)
  // must not be followed on the host.
  const fs::path p(path);
  if (!fs::is_symlink(fs::path(resolve_in_root(rootfs, p.parent_path().string())) / p.filename(), ec)) return {};
  return image_path(rootfs, resolve_in_root(rootfs, path));
}

void find_torch(const std::string& rootfs, const fs::path& site, ImageFiles& files) {
  std::error_code ec;
  const auto version_py = site / "torch" / "version.py";
  if (!fs::is_regular_file(version_py, ec)) return;
  const auto text = read_text(version_py, 64 << 10);
  ImageFiles::Framework f;
  f.name = "torch";
  f.path = image_path(rootfs, version_py);
  std::smatch m;
  if (std::regex_search(text, m, std::regex(R"(__version__\s*(?::[^=]*)?=\s*['"]([^'"]+)['"])"))) f.version = m[1];
  // "cuda: Optional[str] = '12.1'" or "cuda = '12.1'"; None for a CPU build
  if (std::regex_search(text, m, std::regex(R"((?:^|\n)cuda\s*(?::[^=\n]*)?=\s*['"]([0-9.]+)['"])"))) f.cuda = m[1];
  files.frameworks.push_back(f);
}

void find_conda(const std::string& rootfs, const fs::path& prefix, ImageFiles& files) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(prefix / "conda-meta", ec)) {
    auto name = entry.path().filename().string();
    if (name.size() < 6 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    name.resize(name.size() - 5);
    // NAME-VERSION-BUILD, NAME itself may hold '-'
    const auto b = name.rfind('-');
    if (b == std::string::npos || b == 0) continue;
    const auto v = name.rfind('-', b - 1);
    if (v == std::string::npos) continue;
    const auto package = name.substr(0, v);
    const auto version = name.substr(v + 1, b - v - 1);
    if (package != "cudatoolkit" && package != "cuda-version" && package != "cuda-cudart") continue;
    ImageFiles::Framework f;
    f.name = "conda " + package;
    f.version = version;
    const auto dot2 = version.find('.', version.find('.') + 1);
    f.cuda = version.substr(0, dot2);
    f.path = image_path(rootfs, entry.path());
    files.frameworks.push_back(f);
  }
}

}  // namespace

std::string resolve_in_root(const std::string& rootfs, const std::string& path) {
  fs::path current = rootfs;
  int hops = 0;
  for (const auto& part : fs::path(path).relative_path()) {
    if (part == "..") {
      if (current.lexically_relative(rootfs) != ".") current = current.parent_path();
      continue;
    }
    current /= part;
    std::error_code ec;
    while (fs::is_symlink(current, ec) && ++hops < 40) {
      const auto target = fs::read_symlink(current, ec);
      if (ec) break;
      current = target.is_absolute()
                    ? fs::path(resolve_in_root(rootfs, target.string()))
                    : fs::path(resolve_in_root(rootfs, image_path(rootfs, current.parent_path() / target)));
    }
  }
  return current.lexically_normal().string();
}

ImageFiles read_image_files(const std::string& rootfs, const std::map<std::string, std::string>& image_env) {
  ImageFiles files;
  std::error_code ec;
  files.debian_family = fs::exists(resolve_in_root(rootfs, "/etc/debian_version"), ec);
  if (auto it = image_env.find("LD_LIBRARY_PATH"); it != image_env.end()) {
    std::istringstream parts(it->second);
    std::string dir;
    while (std::getline(parts, dir, ':'))
      if (!dir.empty() && dir.front() == '/')
        add_unique(files.ld_library_path, fs::path(dir).lexically_normal().string());
  }
  files.loader_dirs = files.ld_library_path;
  std::vector<std::string> conf;
  read_ld_conf(rootfs, "/etc/ld.so.conf", conf, 0);
  for (auto& d : conf) add_unique(files.loader_dirs, fs::path(d).lexically_normal().string());
  const std::vector<std::string> system = files.debian_family
                                              ? std::vector<std::string>{"/lib/x86_64-linux-gnu",
                                                                         "/usr/lib/x86_64-linux-gnu",
                                                                         "/lib/aarch64-linux-gnu",
                                                                         "/usr/lib/aarch64-linux-gnu",
                                                                         "/lib",
                                                                         "/usr/lib"}
                                              : std::vector<std::string>{"/lib64", "/usr/lib64", "/lib", "/usr/lib"};
  for (const auto& d : system) add_unique(files.loader_dirs, d);

  // Where libcuda and the CUDA libraries are looked for: the loader's folders and CUDA's own, with its stubs.
  std::vector<std::string> scan = files.loader_dirs;
  for (const char* d :
       {"/usr/local/cuda/lib64", "/usr/local/cuda/lib64/stubs", "/usr/local/cuda/lib", "/usr/local/cuda/lib/stubs",
        "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/cuda/targets/x86_64-linux/lib/stubs",
        "/usr/local/cuda/targets/sbsa-linux/lib", "/usr/local/cuda/targets/sbsa-linux/lib/stubs",
        "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/local/lib"})
    add_unique(scan, d);
  std::set<std::string> seen_files;
  static const std::regex kCudaSoname(R"(lib(cudart|cublas|cublasLt|nvrtc)\.so\.([0-9]+))");
  for (const auto& dir : scan) {
    const auto host_dir = resolve_in_root(rootfs, dir);
    for (const auto& entry : fs::directory_iterator(host_dir, ec)) {
      const auto name = entry.path().filename().string();
      const auto inside = dir + "/" + name;
      // The same file through two names of one folder (/lib -> usr/lib) counts once.
      if (!seen_files.insert(fs::path(host_dir).lexically_normal().string() + "/" + name).second) continue;
      if (name.rfind("libcuda.so", 0) == 0) {
        const auto resolved = resolve_in_root(rootfs, inside);
        const bool empty = fs::is_regular_file(resolved, ec) && fs::file_size(resolved, ec) == 0;
        files.libcuda.push_back({inside, link_target(rootfs, inside), empty});
        continue;
      }
      std::smatch m;
      if (std::regex_match(name, m, kCudaSoname)) files.cuda_libraries.push_back({m[1], std::stoi(m[2]), inside});
    }
  }
  for (const auto& entry : fs::directory_iterator(resolve_in_root(rootfs, "/usr/local/cuda/compat"), ec)) {
    const auto name = entry.path().filename().string();
    if (name.rfind("libcuda.so.", 0) == 0 && name.find('.', 11) != std::string::npos)
      files.compat_libcuda.push_back("/usr/local/cuda/compat/" + name);
  }
  std::sort(files.compat_libcuda.begin(), files.compat_libcuda.end());

  // Python site folders where pip and conda put packages.
  std::vector<fs::path> prefixes;
  for (const char* p : {"/usr/lib", "/usr/local/lib", "/opt/conda/lib", "/opt/venv/lib", "/root/.local/lib"})
    prefixes.push_back(resolve_in_root(rootfs, p));
  std::vector<fs::path> conda_prefixes = {resolve_in_root(rootfs, "/opt/conda")};
  for (const auto& env_dir : fs::directory_iterator(resolve_in_root(rootfs, "/opt/conda/envs"), ec)) {
    conda_prefixes.push_back(env_dir.path());
    prefixes.push_back(env_dir.path() / "lib");
  }
  for (const auto& prefix : prefixes)
    for (const auto& entry : fs::directory_iterator(prefix, ec)) {
      const auto name = entry.path().filename().string();
      if (name.rfind("python3", 0) != 0) continue;
      find_torch(rootfs, entry.path() / "site-packages", files);
      find_torch(rootfs, entry.path() / "dist-packages", files);
    }
  find_torch(rootfs, resolve_in_root(rootfs, "/usr/lib/python3/dist-packages"), files);
  for (const auto& prefix : conda_prefixes) find_conda(rootfs, prefix, files);
  return files;
}

}  // namespace gpucert::runtime

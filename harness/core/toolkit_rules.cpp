#include "toolkit_rules.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

namespace gpucert::toolkit {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(separator, start), text.size());
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

const std::string* find(const Env& env, const char* name) {
  auto it = env.find(name);
  return it == env.end() ? nullptr : &it->second;
}

bool is_version_text(std::string_view v) {
  return !v.empty() && std::all_of(v.begin(), v.end(),
                                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

struct CapabilityName {
  unsigned bit;
  const char* name;
};
// Sorted by name: the hook prints capability sets sorted.
constexpr CapabilityName kCapabilityNames[] = {{kCompat32, "compat32"}, {kCompute, "compute"}, {kDisplay, "display"},
                                               {kGraphics, "graphics"}, {kNgx, "ngx"},         {kUtility, "utility"},
                                               {kVideo, "video"}};

// libnvidia-container src/nvc_info.c: utility_libs, compute_libs, video_libs, graphics_libs (with the glvnd
// and compat ones), ngx_libs; utility_bins, compute_bins.
constexpr std::string_view kUtilityLibraries[] = {"libnvidia-ml.so", "libnvidia-cfg.so", "libnvidia-nscq.so"};
constexpr std::string_view kComputeLibraries[] = {"libcuda.so",
                                                  "libcudadebugger.so",
                                                  "libnvidia-opencl.so",
                                                  "libnvidia-gpucomp.so",
                                                  "libnvidia-ptxjitcompiler.so",
                                                  "libnvidia-fatbinaryloader.so",
                                                  "libnvidia-allocator.so",
                                                  "libnvidia-compiler.so",
                                                  "libnvidia-pkcs11.so",
                                                  "libnvidia-pkcs11-openssl3.so",
                                                  "libnvidia-nvvm.so",
                                                  "libnvidia-tileiras.so"};
constexpr std::string_view kVideoLibraries[] = {"libvdpau_nvidia.so", "libnvidia-encode.so", "libnvidia-opticalflow.so",
                                                "libnvcuvid.so"};
constexpr std::string_view kGraphicsLibraries[] = {"libnvidia-eglcore.so",
                                                   "libnvidia-glcore.so",
                                                   "libnvidia-tls.so",
                                                   "libnvidia-glsi.so",
                                                   "libnvidia-fbc.so",
                                                   "libnvidia-ifr.so",
                                                   "libnvidia-rtcore.so",
                                                   "libnvoptix.so",
                                                   "libGLX_nvidia.so",
                                                   "libEGL_nvidia.so",
                                                   "libGLESv2_nvidia.so",
                                                   "libGLESv1_CM_nvidia.so",
                                                   "libnvidia-glvkspirv.so",
                                                   "libnvidia-cbl.so",
                                                   "libGL.so",
                                                   "libEGL.so",
                                                   "libGLESv1_CM.so",
                                                   "libGLESv2.so"};
constexpr std::string_view kNgxLibraries[] = {"libnvidia-ngx.so"};
constexpr std::string_view kUtilityPrograms[] = {"nvidia-smi", "nvidia-debugdump", "nvidia-persistenced",
                                                 "nv-fabricmanager"};
constexpr std::string_view kComputePrograms[] = {"nvidia-cuda-mps-control", "nvidia-cuda-mps-server"};

template <std::size_t N>
void append(std::vector<std::string_view>& out, const std::string_view (&list)[N]) {
  for (const auto item : list) out.push_back(item);
}

// "libcuda.so" matches "libcuda.so", "libcuda.so.1" and "libcuda.so.580.95.05", not "libcudart.so.13".
bool has_library_prefix(std::string_view file, std::string_view prefix) {
  if (file.substr(0, prefix.size()) != prefix) return false;
  return file.size() == prefix.size() || file[prefix.size()] == '.';
}

// Go's strconv.ParseBool: what NVIDIA_DISABLE_REQUIRE accepts as true.
bool parse_bool_true(const std::string& v) {
  return v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True";
}

// MAJOR.MINOR of a semantic version ("12.4.1" -> "12.4", "12" -> "12.0"); empty when it is not one.
std::string major_minor(const std::string& version) {
  auto fields = split(version, '.');
  if (fields.empty() || fields.size() > 3) return {};
  for (const auto& f : fields)
    if (f.empty() ||
        !std::all_of(f.begin(), f.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      return {};
  return std::to_string(std::atoi(fields[0].c_str())) + "." +
         std::to_string(fields.size() > 1 ? std::atoi(fields[1].c_str()) : 0);
}

enum class Comparator { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual };

// dsl_compare_version: -1 when either side is not made of digits and dots.
int compare_with(std::string_view have, Comparator cmp, std::string_view want) {
  const auto order = compare_versions(have, want);
  if (!order) return -1;
  switch (cmp) {
    case Comparator::Equal:
      return *order == 0;
    case Comparator::NotEqual:
      return *order != 0;
    case Comparator::Less:
      return *order < 0;
    case Comparator::LessEqual:
      return *order <= 0;
    case Comparator::Greater:
      return *order > 0;
    case Comparator::GreaterEqual:
      return *order >= 0;
  }
  return -1;
}

bool case_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// evaluate_rule: 1 holds, 0 does not, -1 the expression is not understood.
int evaluate(const std::string& expression, const HostDriver& driver, const GpuTraits* gpu) {
  const auto name_end = expression.find_first_of("<>=!");
  if (name_end == 0 || name_end == std::string::npos) return -1;
  const auto op_end = expression.find_first_not_of("<>=!", name_end);
  const auto op = expression.substr(name_end, op_end - name_end);
  const auto value = op_end == std::string::npos ? std::string() : expression.substr(op_end);
  // libnvidia-container matches the operator text by its length against its table in order: "=", "!=",
  // "<", "<=", ">", ">=" (strncmp over the operator's length).
  static const std::pair<const char*, Comparator> kOperators[] = {
      {"=", Comparator::Equal},      {"!=", Comparator::NotEqual}, {"<", Comparator::Less},
      {"<=", Comparator::LessEqual}, {">", Comparator::Greater},   {">=", Comparator::GreaterEqual}};
  std::optional<Comparator> cmp;
  for (const auto& [text, c] : kOperators)
    if (op.compare(0, op.size(), text, std::min(op.size(), std::char_traits<char>::length(text))) == 0 &&
        std::char_traits<char>::length(text) >= op.size()) {
      cmp = c;
      break;
    }
  if (!cmp || value.empty()) return -1;
  const auto name = expression.substr(0, name_end);
  if (case_equal(name, "cuda")) return driver.cuda_version.empty() ? 1 : compare_with(driver.cuda_version, *cmp, value);
  if (case_equal(name, "driver")) return driver.release.empty() ? 1 : compare_with(driver.release, *cmp, value);
  if (case_equal(name, "arch")) return (!gpu || gpu->arch.empty()) ? 1 : compare_with(gpu->arch, *cmp, value);
  if (case_equal(name, "brand")) {
    if (!gpu || gpu->brand.empty()) return 1;
    if (*cmp == Comparator::Equal) return case_equal(gpu->brand, value);
    if (*cmp == Comparator::NotEqual) return !case_equal(gpu->brand, value);
    return -1;
  }
  return -1;
}

// dsl_evaluate over one GPU (or none).
Status evaluate_requirement(const std::string& requirement, const HostDriver& driver, const GpuTraits* gpu) {
  int result = 1;
  for (const auto& alternative : split(requirement, ' ')) {
    if (alternative.empty()) continue;
    bool all_hold = true;
    for (const auto& term : split(alternative, ',')) {
      if (term.empty()) continue;
      result = evaluate(term, driver, gpu);
      if (result < 0) return GPUCERT_ERROR("invalid expression");
      if (result == 0) {
        all_hold = false;
        break;
      }
    }
    if (all_hold) return ok_status();
  }
  if (result != 0) return ok_status();
  // The toolkit names the requirement's first alternative, whichever term failed.
  const auto first = requirement.substr(0, requirement.find(' '));
  if (first.rfind("cuda>=", 0) == 0)
    return GPUCERT_ERROR("unsatisfied condition: " + first +
                         ", please update your driver to a newer version, or use an earlier cuda container");
  return GPUCERT_ERROR("unsatisfied condition: " + first);
}

}  // namespace

bool is_legacy_image(const Env& env) {
  const auto* version = find(env, "CUDA_VERSION");
  const auto* require = find(env, "NVIDIA_REQUIRE_CUDA");
  return version && !version->empty() && (!require || require->empty());
}

VisibleDevices visible_devices(const Env& env) {
  VisibleDevices out;
  const auto* value = find(env, "NVIDIA_VISIBLE_DEVICES");
  std::vector<std::string> ids;
  bool void_named = false, none_named = false, all_named = false;
  if (value)
    for (const auto& part : split(*value, ',')) {
      auto id = trim(part);
      if (id.empty()) continue;
      void_named |= id == "void";
      none_named |= id == "none";
      all_named |= id == "all";
      ids.push_back(id);
    }
  if (!value && is_legacy_image(env)) {
    out.selection = DeviceSelection::All;
    out.why = "NVIDIA_VISIBLE_DEVICES is unset in a legacy image (CUDA_VERSION without NVIDIA_REQUIRE_CUDA): all GPUs";
    return out;
  }
  if (ids.empty() || void_named) {
    out.selection = DeviceSelection::Void;
    out.why = !value ? "NVIDIA_VISIBLE_DEVICES is unset: the toolkit injects nothing"
                     : "NVIDIA_VISIBLE_DEVICES is '" + *value + "': the toolkit injects nothing";
    return out;
  }
  // NewVisibleDevices: "all" anywhere wins, then "none".
  if (all_named) {
    out.selection = DeviceSelection::All;
    out.why = "NVIDIA_VISIBLE_DEVICES=" + *value;
  } else if (none_named) {
    out.selection = DeviceSelection::None;
    out.why = "NVIDIA_VISIBLE_DEVICES=" + *value + ": the driver's libraries and programs, no GPU";
  } else {
    out.selection = DeviceSelection::List;
    std::set<std::string> seen;
    for (auto& id : ids)
      if (seen.insert(id).second) out.ids.push_back(id);
    out.why = "NVIDIA_VISIBLE_DEVICES=" + *value;
  }
  return out;
}

std::string describe(const VisibleDevices& d) {
  switch (d.selection) {
    case DeviceSelection::Void:
      return "void";
    case DeviceSelection::None:
      return "none";
    case DeviceSelection::All:
      return "all";
    case DeviceSelection::List:
      break;
  }
  std::string out;
  for (const auto& id : d.ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

Env with_docker_gpus(Env env, const std::vector<std::string>& gpus) {
  if (gpus.empty()) return env;
  std::string list;
  for (const auto& g : gpus) list += (list.empty() ? "" : ",") + g;
  env["NVIDIA_VISIBLE_DEVICES"] = list;
  return env;
}

std::string capabilities_text(unsigned capabilities) {
  if ((capabilities & kAllCapabilities) == kAllCapabilities) return "all";
  std::string out;
  for (const auto& c : kCapabilityNames)
    if (capabilities & c.bit) out += (out.empty() ? "" : ",") + std::string(c.name);
  return out;
}

Outcome<unsigned> driver_capabilities(const Env& env) {
  const auto* value = find(env, "NVIDIA_DRIVER_CAPABILITIES");
  if (!value && is_legacy_image(env)) return static_cast<unsigned>(kAllCapabilities);
  if (!value || value->empty()) return static_cast<unsigned>(kCompute | kUtility);
  unsigned capabilities = 0;
  std::set<std::string> named, unknown;
  for (const auto& part : split(*value, ',')) {
    const auto name = trim(part);
    if (name.empty()) continue;
    named.insert(name);
    if (name == "all") {
      capabilities = kAllCapabilities;
      continue;
    }
    const auto it = std::find_if(std::begin(kCapabilityNames), std::end(kCapabilityNames),
                                 [&](const CapabilityName& c) { return name == c.name; });
    if (it == std::end(kCapabilityNames))
      unknown.insert(name);
    else
      capabilities |= it->bit;
  }
  if (named.count("all")) return static_cast<unsigned>(kAllCapabilities);
  if (!unknown.empty()) {
    std::string asked, allowed;
    for (const auto& n : named) asked += (asked.empty() ? "" : ",") + n;
    return GPUCERT_ERROR("unsupported capabilities found in '" + asked + "' (allowed '" +
                         (capabilities ? capabilities_text(capabilities) : std::string()) + "')");
  }
  // A value made only of commas and spaces names nothing: the default, as an empty one.
  return capabilities ? capabilities : static_cast<unsigned>(kCompute | kUtility);
}

std::vector<std::string_view> capability_libraries(unsigned capabilities) {
  std::vector<std::string_view> out;
  out.reserve(64);
  if (capabilities & kUtility) append(out, kUtilityLibraries);
  if (capabilities & kCompute) append(out, kComputeLibraries);
  if (capabilities & kVideo) append(out, kVideoLibraries);
  if (capabilities & (kGraphics | kDisplay)) append(out, kGraphicsLibraries);
  if (capabilities & kNgx) append(out, kNgxLibraries);
  return out;
}

std::vector<std::string_view> capability_programs(unsigned capabilities) {
  std::vector<std::string_view> out;
  if (capabilities & kUtility) append(out, kUtilityPrograms);
  if (capabilities & kCompute) append(out, kComputePrograms);
  return out;
}

bool library_of(std::string_view file, unsigned capabilities) {
  const auto libraries = capability_libraries(capabilities);
  return std::any_of(libraries.begin(), libraries.end(),
                     [&](std::string_view p) { return has_library_prefix(file, p); });
}

bool is_driver_library_file(std::string_view file) { return library_of(file, kAllCapabilities); }

Outcome<std::vector<std::string>> requirements(const Env& env) {
  std::vector<std::string> out;
  if (const auto* disable = find(env, "NVIDIA_DISABLE_REQUIRE"); disable && parse_bool_true(*disable)) return out;
  for (const auto& [name, value] : env)
    if (name.rfind("NVIDIA_REQUIRE_", 0) == 0 && name.rfind("NVIDIA_REQUIRE_JETPACK", 0) != 0) out.push_back(value);
  if (is_legacy_image(env)) {
    const auto& version = env.at("CUDA_VERSION");
    const auto mm = major_minor(version);
    if (mm.empty())
      return GPUCERT_ERROR("failed to get requirements: failed to get version: invalid CUDA version " + version);
    out.push_back("cuda>=" + mm);
  }
  return out;
}

Status check_requirement(const std::string& requirement, const HostDriver& driver, const std::vector<GpuTraits>& gpus) {
  if (gpus.empty()) return evaluate_requirement(requirement, driver, nullptr);
  for (const auto& gpu : gpus)
    if (auto s = evaluate_requirement(requirement, driver, &gpu); !s) return s;
  return ok_status();
}

Status check_requirements(const Env& env, const HostDriver& driver, const std::vector<GpuTraits>& gpus) {
  auto all = requirements(env);
  if (!all) return all.error();
  for (const auto& r : *all)
    if (auto s = check_requirement(r, driver, gpus); !s)
      return GPUCERT_ERROR("requirement error: " + s.error().message);
  return ok_status();
}

std::optional<int> compare_versions(std::string_view a, std::string_view b) {
  if (!is_version_text(a) || !is_version_text(b)) return std::nullopt;
  const auto x = split(a, '.'), y = split(b, '.');
  for (std::size_t i = 0; i < std::max(x.size(), y.size()); ++i) {
    const long long p = i < x.size() && !x[i].empty() ? std::atoll(x[i].c_str()) : 0;
    const long long q = i < y.size() && !y[i].empty() ? std::atoll(y[i].c_str()) : 0;
    if (p != q) return p < q ? -1 : 1;
  }
  return 0;
}

std::string cuda_version_of_driver(std::string_view release) {
  // NVIDIA's CUDA Toolkit release notes, "CUDA Toolkit and Corresponding Driver Versions": the CUDA
  // version each Linux driver branch reports (nvidia-smi's "CUDA Version").
  static const std::pair<int, const char*> kBranches[] = {
      {590, "13.1"}, {580, "13.0"}, {575, "12.9"}, {570, "12.8"}, {565, "12.7"}, {560, "12.6"}, {555, "12.5"},
      {550, "12.4"}, {545, "12.3"}, {535, "12.2"}, {530, "12.1"}, {525, "12.0"}, {520, "11.8"}, {515, "11.7"},
      {510, "11.6"}, {495, "11.5"}, {470, "11.4"}, {465, "11.3"}, {460, "11.2"}, {455, "11.1"}, {450, "11.0"}};
  if (!is_version_text(release) || release.empty()) return {};
  const int branch = std::atoi(std::string(release.substr(0, release.find('.'))).c_str());
  for (const auto& [b, cuda] : kBranches)
    if (branch == b) return cuda;
  return {};
}

std::string release_of_library(std::string_view file) {
  const auto so = file.find(".so.");
  if (so == std::string_view::npos) return {};
  const auto release = file.substr(so + 4);
  // "libcuda.so.1" is a soname link, not a release.
  if (!is_version_text(release) || release.find('.') == std::string_view::npos) return {};
  return std::string(release);
}

CompatDecision cuda_compat(std::string_view compat_libcuda_file, std::string_view host_release) {
  const auto compat = release_of_library(compat_libcuda_file);
  if (compat.empty())
    return {false,
            "the forward-compatibility libcuda (" + std::string(compat_libcuda_file) + ") names no driver release"};
  if (host_release.empty()) return {false, "the host driver's release is unknown: the compat libraries are left out"};
  const int compat_major = std::atoi(compat.c_str());
  const int host_major = std::atoi(std::string(host_release).c_str());
  if (host_major < compat_major)
    return {true, "forward compatibility: the image's libcuda " + compat + " is newer than the host driver " +
                      std::string(host_release) + ", so /usr/local/cuda/compat goes in front of it"};
  return {false, "the image's forward-compatibility libcuda " + compat + " is not newer than the host driver " +
                     std::string(host_release) + ": the host's libcuda is used"};
}

std::string legacy_library_dir(bool debian_family, std::string_view machine) {
  if (!debian_family) return "/usr/lib64";
  if (machine == "aarch64" || machine == "arm64") return "/usr/lib/aarch64-linux-gnu";
  if (machine == "ppc64le") return "/usr/lib/powerpc64le-linux-gnu";
  return "/usr/lib/x86_64-linux-gnu";
}

}  // namespace gpucert::toolkit

#include "probe_libraries.hpp"

#include <dlfcn.h>
#include <link.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <map>

#include "core/flavors.hpp"

namespace gpucert::worker {
namespace {

// The sonames of the CUDA majors this worker can be built for, used when the embedded catalogue lacks one.
std::map<std::string, std::string> builtin_sonames(int cuda_major) {
  if (cuda_major == 11)
    return {{"cudart", "libcudart.so.11.0"},   {"cublas", "libcublas.so.11"}, {"cublasLt", "libcublasLt.so.11"},
            {"cufft", "libcufft.so.10"},       {"curand", "libcurand.so.10"}, {"cusolver", "libcusolver.so.11"},
            {"cusparse", "libcusparse.so.11"}, {"nccl", "libnccl.so.2"},      {"cudnn", "libcudnn.so.8"}};
  if (cuda_major == 12)
    return {{"cudart", "libcudart.so.12"},     {"cublas", "libcublas.so.12"}, {"cublasLt", "libcublasLt.so.12"},
            {"cufft", "libcufft.so.11"},       {"curand", "libcurand.so.10"}, {"cusolver", "libcusolver.so.11"},
            {"cusparse", "libcusparse.so.12"}, {"nccl", "libnccl.so.2"},      {"cudnn", "libcudnn.so.9"}};
  const std::string m = std::to_string(cuda_major);
  return {{"cudart", "libcudart.so." + m},   {"cublas", "libcublas.so." + m}, {"cublasLt", "libcublasLt.so." + m},
          {"cufft", "libcufft.so.12"},       {"curand", "libcurand.so.10"},   {"cusolver", "libcusolver.so.12"},
          {"cusparse", "libcusparse.so.12"}, {"nccl", "libnccl.so.2"},        {"cudnn", "libcudnn.so.9"}};
}

std::string dotted(long major, long minor, long patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

// major * 10000 + minor * 100 + patch (cuBLASLt, cuDNN 9, NCCL >= 2.9), or major * 1000 + minor * 100 +
// patch (cuDNN 8, NCCL before 2.9).
std::string from_code(long code, bool thousands) {
  if (code <= 0) return {};
  if (thousands) return dotted(code / 1000, (code % 1000) / 100, code % 100);
  return dotted(code / 10000, (code % 10000) / 100, code % 100);
}

// The library's own answer, through the one symbol each has for it; empty when it has none or it fails.
// None of these touches a GPU.
std::string version_of(void* handle, const std::string& library) {
  using GetProperty = int (*)(int, int*);  // libraryPropertyType: 0 major, 1 minor, 2 patch
  using GetInt = int (*)(int*);
  using GetSize = std::size_t (*)();
  static const std::map<std::string, std::string> kGetProperty = {{"cublas", "cublasGetProperty"},
                                                                  {"cufft", "cufftGetProperty"},
                                                                  {"curand", "curandGetProperty"},
                                                                  {"cusolver", "cusolverGetProperty"},
                                                                  {"cusparse", "cusparseGetProperty"}};
  if (const auto it = kGetProperty.find(library); it != kGetProperty.end()) {
    auto get = reinterpret_cast<GetProperty>(dlsym(handle, it->second.c_str()));
    int major = 0, minor = 0, patch = 0;
    if (!get || get(0, &major) != 0 || get(1, &minor) != 0 || get(2, &patch) != 0) return {};
    return dotted(major, minor, patch);
  }
  if (library == "cudart") {
    auto get = reinterpret_cast<GetInt>(dlsym(handle, "cudaRuntimeGetVersion"));
    int v = 0;
    if (!get || get(&v) != 0 || v <= 0) return {};
    return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
  }
  if (library == "nccl") {
    auto get = reinterpret_cast<GetInt>(dlsym(handle, "ncclGetVersion"));
    int v = 0;
    if (!get || get(&v) != 0) return {};
    return from_code(v, v < 20900);
  }
  if (library == "cublasLt" || library == "cudnn") {
    auto get = reinterpret_cast<GetSize>(dlsym(handle, library == "cudnn" ? "cudnnGetVersion" : "cublasLtGetVersion"));
    if (!get) return {};
    const auto v = static_cast<long>(get());
    return from_code(v, library == "cudnn" && v < 90000);
  }
  return {};
}

bool is_file(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

}  // namespace

std::vector<LibraryProbe> probe_libraries(int cuda_major) {
  std::map<std::string, std::string> sonames;
  if (const auto& catalog = embedded_flavor_catalog(); catalog)
    if (const auto* libraries = catalog->libraries_for(cuda_major)) {
      sonames = *libraries;
      // The driver's libraries come from the host (libcuda.so.1 has its own probe), and a soname with a `*`
      // is no name the loader takes.
      for (const auto& name : catalog->never_shipped) sonames.erase(name);
      std::erase_if(sonames, [](const auto& entry) { return entry.second.find('*') != std::string::npos; });
    }
  if (sonames.empty()) sonames = builtin_sonames(cuda_major);

  std::vector<LibraryProbe> out;
  for (const auto& [library, soname] : sonames) {
    LibraryProbe lib;
    lib.library = library;
    lib.name = soname;
    dlerror();
    void* handle = dlopen(soname.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (!handle) {
      const char* message = dlerror();
      lib.error = message ? message : "dlopen failed without a message";
      out.push_back(std::move(lib));
      continue;
    }
    lib.loaded = true;
    link_map* map = nullptr;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name) lib.path = map->l_name;
    lib.version = version_of(handle, library);
    // Kept loaded, never dlclose'd: a CUDA library that is unloaded and loaded again (cuDNN by the conv
    // plugin, with its sub-libraries) left the worker crashing in the next convolution.
    (void)handle;
    out.push_back(std::move(lib));
  }
  return out;
}

std::string find_nvcc() {
  const char* path = std::getenv("PATH");
  const std::string dirs = path ? path : "";
  for (std::size_t start = 0; start <= dirs.size() && !dirs.empty();) {
    const auto end = dirs.find(':', start);
    auto dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty()) {
      const auto candidate = dir + "/nvcc";
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  const std::string fallback = "/usr/local/cuda/bin/nvcc";
  return access(fallback.c_str(), X_OK) == 0 ? fallback : std::string{};
}

std::vector<ToolProbe> probe_tools() {
  std::vector<ToolSpec> specs;
  if (const auto& catalog = embedded_flavor_catalog(); catalog) specs = catalog->all_tools();
  if (specs.empty())
    specs = {{std::string(kToolNvcc), "/usr/local/cuda/bin/nvcc"},
             {"cuda_runtime.h", "/usr/local/cuda/include/cuda_runtime.h"},
             {"libcudart_static.a", "/usr/local/cuda/lib64/libcudart_static.a"}};
  std::vector<ToolProbe> tools;
  for (const auto& spec : specs) {
    // nvcc counts wherever the devel check finds it; every other tool at its path.
    const auto path = spec.name == kToolNvcc ? find_nvcc() : is_file(spec.path) ? spec.path : std::string{};
    tools.push_back({spec.name, !path.empty(), path});
  }
  return tools;
}

std::string machine_name() {
  utsname u{};
  if (uname(&u) != 0) return {};
  return u.machine;
}

}  // namespace gpucert::worker

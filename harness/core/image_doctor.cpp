#include "image_doctor.hpp"

#include <algorithm>
#include <cstdlib>

namespace gpucert {
namespace {

using toolkit::Env;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string dirname(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? std::string("/") : path.substr(0, slash);
}
std::string basename(const std::string& path) { return path.substr(path.rfind('/') + 1); }

int major_of(const std::string& version) { return version.empty() ? 0 : std::atoi(version.c_str()); }

// "12.4.1" -> 12.4 as 12004 (comparable); 0 when not a version.
int major_minor(const std::string& version) {
  const int major = major_of(version);
  const auto dot = version.find('.');
  const int minor = dot == std::string::npos ? 0 : std::atoi(version.c_str() + dot + 1);
  return major * 1000 + minor;
}

bool on_ld_library_path(const ImageFiles& files, const std::string& dir) {
  return std::find(files.ld_library_path.begin(), files.ld_library_path.end(), dir) != files.ld_library_path.end();
}
bool on_loader_path(const ImageFiles& files, const std::string& dir) {
  return std::find(files.loader_dirs.begin(), files.loader_dirs.end(), dir) != files.loader_dirs.end();
}

const std::string kRemoveLibcuda =
    "remove it from the image (the driver's user-space library must come from the host, where it matches the kernel "
    "module; the container toolkit injects it): delete the file in the Containerfile's last stage and rebuild";

void check_runtime_contract(const ImageFacts& facts, const ImageHost& host, std::vector<ImageFinding>& out) {
  const Env& env = facts.env;
  // What docker --gpus (or the device plugin) adds on top of the image's Env.
  const Env effective = toolkit::with_docker_gpus(env, host.requested_gpus);
  const auto devices = toolkit::visible_devices(env);
  if (devices.selection == toolkit::DeviceSelection::Void || devices.selection == toolkit::DeviceSelection::None) {
    const bool named = !host.requested_gpus.empty();
    out.push_back(
        {{"nvidia-visible-devices-void", devices.why,
          "The toolkit exposes the GPUs NVIDIA_VISIBLE_DEVICES names. With this image's value a container started "
          "without a device request (`docker run --runtime nvidia IMAGE`, Compose's `runtime: nvidia`, a Kubernetes "
          "node whose default runtime is nvidia) gets " +
              std::string(devices.selection == toolkit::DeviceSelection::None ? "the driver but no GPU"
                                                                              : "no GPU and no driver library") +
              ": CUDA reports no device (cudaErrorNoDevice (100)) or no driver (35). `--gpus`, CDI and the device "
              "plugin name the GPUs themselves and override it" +
              (named ? ", as this check's --gpus does." : "."),
          "set `ENV NVIDIA_VISIBLE_DEVICES=all` in the image (NVIDIA's CUDA images do), or always start it with "
          "`--gpus` / `--device nvidia.com/gpu=...`"},
         !named});
  }
  auto capabilities = toolkit::driver_capabilities(effective);
  if (!capabilities) {
    out.push_back({{"driver-capabilities-unsupported",
                    "NVIDIA_DRIVER_CAPABILITIES='" + env.at("NVIDIA_DRIVER_CAPABILITIES") +
                        "' names a capability the toolkit does not know",
                    "The toolkit's hook refuses to start the container: " + capabilities.error().message +
                        ". The capabilities are compute, compat32, display, graphics, ngx, utility, video and all.",
                    "set NVIDIA_DRIVER_CAPABILITIES=compute,utility (or 'all')"},
                   true});
  } else if (!(*capabilities & toolkit::kCompute)) {
    out.push_back(
        {{"driver-capabilities-without-compute",
          "NVIDIA_DRIVER_CAPABILITIES is '" +
              (env.count("NVIDIA_DRIVER_CAPABILITIES") ? env.at("NVIDIA_DRIVER_CAPABILITIES") : std::string()) +
              "', without 'compute': libcuda.so.1 is never injected",
          "The toolkit injects only the libraries of the requested capabilities (" +
              toolkit::capabilities_text(*capabilities) +
              " here); libcuda.so.1 belongs to 'compute'. nvidia-smi works (utility) while every CUDA "
              "program fails with cudaErrorInsufficientDriver (35) and a driver version of 0.",
          "set `ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility` (or 'all') in the image"},
         true});
  }
  auto requirements = toolkit::requirements(effective);
  if (!requirements) {
    out.push_back(
        {{"requirement-invalid", "the toolkit cannot read this image's requirements: " + requirements.error().message,
          "CUDA_VERSION without NVIDIA_REQUIRE_CUDA makes the toolkit derive cuda>=MAJOR.MINOR from it; a "
          "value that is not a version stops the container's start.",
          "set CUDA_VERSION to the image's CUDA version (\"12.4.1\") and NVIDIA_REQUIRE_CUDA=\"cuda>=12.4\""},
         true});
  } else if (!host.driver.release.empty() || !host.driver.cuda_version.empty()) {
    for (const auto& r : *requirements) {
      auto s = toolkit::check_requirement(r, host.driver, {});
      if (s) continue;
      const bool invalid = s.error().message == "invalid expression";
      out.push_back({{invalid ? "requirement-invalid" : "requirement-unsatisfied",
                      invalid ? "the requirement '" + r + "' is not an expression the toolkit understands"
                              : "the host driver " + host.driver.release + " (CUDA " + host.driver.cuda_version +
                                    ") does not meet the image's requirement '" + r + "'",
                      "Under the toolkit the container does not start: `nvidia-container-cli: requirement error: " +
                          s.error().message + "`.",
                      invalid ? "write it as NAME OP VERSION terms (cuda, driver, arch, brand; =, !=, <, <=, >, >=), "
                                "comma for and, space for or"
                              : "upgrade the host driver to one that supports the image's CUDA (`nvidia-smi` shows "
                                "the supported CUDA version), or use an image of an older CUDA; "
                                "NVIDIA_DISABLE_REQUIRE=true skips the check but not the failure (error 35 or 803)"},
                     true});
    }
  }
}

void check_libcuda(const ImageFiles& files, const ImageHost& host, std::vector<ImageFinding>& out) {
  for (const auto& lib : files.libcuda) {
    // A file some link of the list leads to is reported with that link, once.
    if (std::any_of(files.libcuda.begin(), files.libcuda.end(),
                    [&](const ImageFiles::Library& other) { return &other != &lib && other.target == lib.path; }))
      continue;
    const auto& real = lib.target.empty() ? lib.path : lib.target;
    const bool stub = contains(real, "/stubs/") || contains(lib.path, "/stubs/");
    const bool compat = contains(lib.path, "/compat/") || contains(real, "/compat/");
    const auto dir = dirname(lib.path);
    const auto name = basename(lib.path);
    if (compat) continue;  // check_compat's
    if (stub) {
      // The loader asks for libcuda.so.1; a stub under that name, or a stub folder on LD_LIBRARY_PATH that
      // answers "libcuda.so" (what Triton and some JITs open), shadows the injected driver.
      const bool soname = name == "libcuda.so.1";
      const bool shadow = on_loader_path(files, dir);
      if (!shadow) continue;
      out.push_back(
          {{"libcuda-stub-on-loader-path",
            "the toolkit's stub " + lib.path + (lib.target.empty() ? "" : " (-> " + lib.target + ")") +
                " is on the image's loader path" +
                (on_ld_library_path(files, dir) ? " (LD_LIBRARY_PATH)" : " (ld.so.conf)"),
            "stubs/libcuda.so exists only to link against; loaded at run time it fails every call with "
            "cudaErrorStubLibrary (34). " +
                std::string(soname ? "Named libcuda.so.1 it is found before the driver the toolkit injects."
                                   : "Programs that open libcuda.so (Triton, JIT compilers) get it instead of "
                                     "the driver."),
            "take " + dir + " off LD_LIBRARY_PATH and /etc/ld.so.conf.d (link with `-L" + dir +
                "` at build time only), delete any libcuda.so.1 link made in it, then run ldconfig"},
           soname});
      continue;
    }
    if (lib.empty) {
      out.push_back({{"libcuda-in-image",
                      "the image holds an empty " + lib.path + ": the mount point a container runtime left behind",
                      "runc and the toolkit's hooks create the target of each bind as an empty file; kept in the "
                      "image, it answers the loader's search for " +
                          name +
                          " before (or instead of) the driver: "
                          "\"file too short\", and CUDA fails with cudaErrorInsufficientDriver (35).",
                      "delete " + lib.path + " from the image (and do not commit a container that ran with GPUs)"},
                     true});
      continue;
    }
    // A driver library copied into the image.
    const auto release = toolkit::release_of_library(basename(real));
    const bool ahead = on_ld_library_path(files, dir);
    const bool same = !release.empty() && release == host.driver.release;
    out.push_back(
        {{"libcuda-in-image",
          "the image carries its own libcuda: " + lib.path + (lib.target.empty() ? "" : " (-> " + lib.target + ")"),
          "libcuda.so.1 is the driver's user-space half and works only with the kernel module of the same "
          "release" +
              (release.empty() ? std::string() : " (this copy is " + release + ")") +
              (host.driver.release.empty() ? std::string() : "; the host runs " + host.driver.release) + ". " +
              (ahead ? "Its folder is on LD_LIBRARY_PATH, ahead of what the toolkit injects: it is the one "
                       "loaded on every host. "
                     : "The toolkit binds the host's over the same names in the library folder, but the ld "
                       "cache may still pick the image's copy. ") +
              "On another driver CUDA fails with cudaErrorSystemDriverMismatch (803) or "
              "cudaErrorInsufficientDriver (35).",
          kRemoveLibcuda},
         !same || ahead});
  }
}

void check_compat(const ImageFiles& files, const ImageHost& host, std::vector<ImageFinding>& out) {
  if (files.compat_libcuda.empty()) return;
  const auto& compat = files.compat_libcuda.front();
  const auto release = toolkit::release_of_library(basename(compat));
  const auto dir = dirname(compat);
  const bool forced = on_loader_path(files, dir);
  if (!host.driver.release.empty() && !release.empty() && forced &&
      toolkit::compare_versions(release, host.driver.release).value_or(0) < 0) {
    out.push_back(
        {{"cuda-compat-older-than-driver",
          "the forward-compatibility libcuda " + release + " in " + dir +
              " is on the loader path and older than the host driver " + host.driver.release,
          "The toolkit would leave an older compat library out (it is used only when newer than the host "
          "driver), but " +
              dir + " is listed on the image's " + (on_ld_library_path(files, dir) ? "LD_LIBRARY_PATH" : "ld.so.conf") +
              ", so it loads anyway: CUDA fails with cudaErrorSystemDriverMismatch (803), \"system has "
              "unsupported display driver / cuda driver combination\".",
          "remove " + dir +
              " from LD_LIBRARY_PATH and /etc/ld.so.conf.d: the toolkit adds it itself when "
              "the host driver is older than it"},
         true});
  } else if (forced) {
    out.push_back(
        {{"cuda-compat-forced", dir + " (forward-compatibility libcuda " + release + ") is on the image's loader path",
          "Forward compatibility works only on data-center GPUs (and some workstation boards): elsewhere "
          "CUDA fails with cudaErrorCompatNotSupportedOnDevice (804), \"forward compatibility was attempted "
          "on non supported HW\"; on a host driver newer than it, with error 803. The toolkit decides per host "
          "whether to use it; listing it in the image takes that decision away.",
          "remove " + dir +
              " from LD_LIBRARY_PATH and /etc/ld.so.conf.d and let the toolkit's cuda-compat "
              "handling add it where the host driver is older"},
         false});
  }
}

void check_library_majors(const ImageFacts& facts, const ImageFiles& files, std::vector<ImageFinding>& out) {
  auto it = facts.env.find("CUDA_VERSION");
  if (it == facts.env.end() || it->second.empty()) return;
  const int declared = major_of(it->second);
  for (const auto& lib : files.cuda_libraries) {
    if (lib.major == declared) continue;
    // Several majors side by side (a CUDA 12 image with a CUDA 11 cuBLAS for an old framework) are fine
    // when the declared one is there too.
    const bool declared_present =
        std::any_of(files.cuda_libraries.begin(), files.cuda_libraries.end(),
                    [&](const auto& l) { return l.library == lib.library && l.major == declared; });
    out.push_back(
        {{"cuda-library-major-mismatch",
          "lib" + lib.library + ".so." + std::to_string(lib.major) + " (" + lib.path + ") belongs to CUDA " +
              std::to_string(lib.major) + ", the image declares CUDA_VERSION=" + it->second,
          "The toolkit checks the host driver against the declared CUDA (NVIDIA_REQUIRE_CUDA); a library of "
          "another major " +
              std::string(lib.major > declared ? "needs a newer driver than the image promises, so on a driver that "
                                                 "passes the check it fails with cudaErrorInsufficientDriver (35)"
                                               : "is not what programs built for the declared CUDA load") +
              (declared_present ? " (the declared major is present too)." : "."),
          "install the CUDA " + std::to_string(declared) +
              " libraries, or set CUDA_VERSION and "
              "NVIDIA_REQUIRE_CUDA to the CUDA the image really holds"},
         !declared_present && lib.major > declared});
  }
}

void check_frameworks(const ImageFacts& facts, const ImageFiles& files, const ImageHost& host,
                      std::vector<ImageFinding>& out) {
  auto it = facts.env.find("CUDA_VERSION");
  const std::string image_cuda = it == facts.env.end() ? std::string() : it->second;
  for (const auto& f : files.frameworks) {
    if (f.name == "torch" && f.cuda.empty()) {
      out.push_back({{"framework-cpu-only", "PyTorch " + f.version + " (" + f.path + ") is a CPU-only build",
                      "torch.version.cuda is None: torch.cuda.is_available() is False on every host, while nvidia-smi "
                      "and the image's CUDA work.",
                      "install a CUDA build: `pip install torch --index-url https://download.pytorch.org/whl/cu" +
                          (image_cuda.empty() ? std::string("126") : std::to_string(major_of(image_cuda)) + "x") +
                          "` (the index of the image's CUDA)"},
                     !image_cuda.empty()});
      continue;
    }
    if (f.cuda.empty()) continue;
    const std::string what = f.name + " " + f.version + " (" + f.path + ") is built for CUDA " + f.cuda;
    if (!host.driver.cuda_version.empty() && major_minor(f.cuda) > major_minor(host.driver.cuda_version) &&
        major_of(f.cuda) > major_of(host.driver.cuda_version)) {
      out.push_back({{"framework-cuda-newer-than-driver",
                      what + ", newer than the host driver's CUDA " + host.driver.cuda_version,
                      "A CUDA of a newer major than the driver supports cannot run (no minor-version compatibility "
                      "across majors): torch.cuda.is_available() is False, with \"The NVIDIA driver on your system "
                      "is too old\".",
                      "upgrade the host driver, or install the framework's build for CUDA " + host.driver.cuda_version},
                     true});
    } else if (!image_cuda.empty() && major_of(f.cuda) > major_of(image_cuda)) {
      out.push_back({{"framework-cuda-newer-than-image", what + ", the image declares CUDA " + image_cuda,
                      "The toolkit admits the image on any driver that meets CUDA " + image_cuda +
                          " (NVIDIA_REQUIRE_CUDA); the framework needs one for CUDA " + f.cuda +
                          ". On such a driver nvidia-smi and the image's own CUDA work while "
                          "torch.cuda.is_available() is False.",
                      "install the framework's build for CUDA " + std::to_string(major_of(image_cuda)) +
                          ", or base the image on CUDA " + f.cuda + " so its requirement tells the truth"},
                     true});
    } else if (!image_cuda.empty() && major_of(f.cuda) != major_of(image_cuda)) {
      out.push_back(
          {{"framework-cuda-differs-from-image", what + ", the image declares CUDA " + image_cuda,
            "It brings its own CUDA runtime, which runs on the image's drivers, but the image's CUDA libraries "
            "(cuDNN, NCCL, cuBLAS) are not the ones it loads: two CUDA stacks, twice the size, and extensions "
            "built against the image's headers will not load.",
            "install the framework's build for CUDA " + std::to_string(major_of(image_cuda))},
           false});
    }
  }
}

}  // namespace

std::vector<ImageFinding> diagnose_image(const ImageFacts& facts, const ImageFiles& files, const ImageHost& host) {
  std::vector<ImageFinding> out;
  if (!facts.architecture.empty() && !host.architecture.empty() &&
      oci_architecture(facts.architecture) != oci_architecture(host.architecture))
    out.push_back({{"image-architecture-mismatch",
                    "the image is built for " + facts.architecture + ", this host is " + host.architecture,
                    "Its programs cannot execute here: the container fails at start with \"exec format error\" (or "
                    "runs under emulation, where the driver cannot be used).",
                    "build or pull the image for " + host.architecture + " (`docker buildx build --platform linux/" +
                        host.architecture + "`, or a multi-arch manifest)"},
                   true});
  check_runtime_contract(facts, host, out);
  check_libcuda(files, host, out);
  check_compat(files, host, out);
  check_library_majors(facts, files, out);
  check_frameworks(facts, files, host, out);
  std::stable_partition(out.begin(), out.end(), [](const ImageFinding& f) { return f.fatal; });
  return out;
}

bool has_fatal(const std::vector<ImageFinding>& findings) {
  return std::any_of(findings.begin(), findings.end(), [](const ImageFinding& f) { return f.fatal; });
}

}  // namespace gpucert

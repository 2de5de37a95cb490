#include "doctor.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "compat.hpp"

namespace gpucert {
namespace {

constexpr int kCudaErrorInsufficientDriver = 35;
constexpr int kCudaErrorNoDevice = 100;
constexpr int kCudaErrorStubLibrary = 34;

// The C library's parts that libcuda.so.1 is linked against.
bool is_c_library(const std::string& file) {
  for (const char* name : {"libdl.so.2", "libpthread.so.0", "librt.so.1", "libm.so.6", "libc.so.6"})
    if (file == name) return true;
  return false;
}

std::string libcuda_shown(const ProbeReport& r) {
  return r.libcuda.path.empty() ? std::string("libcuda.so.1") : r.libcuda.path;
}

std::string env(const ProbeReport& r, const std::string& name, bool* set = nullptr) {
  auto it = r.environment.find(name);
  if (set) *set = it != r.environment.end();
  return it == r.environment.end() ? std::string{} : it->second;
}

bool has_gpu_nodes(const ProbeReport& r) {
  return std::any_of(r.device_nodes.begin(), r.device_nodes.end(), [](const std::string& node) {
    return node == "/dev/nvidiactl" || (node.rfind("/dev/nvidia", 0) == 0 && node.size() > 11 &&
                                        std::isdigit(static_cast<unsigned char>(node[11])));
  });
}

// The loader says "libdl.so.2: cannot open shared object file: ..." for the file it could not find, which
// is libcuda itself or one of its dependencies.
std::string missing_file_in(const std::string& loader_message) {
  const auto colon = loader_message.find(": cannot open shared object file");
  if (colon == std::string::npos) return {};
  const auto start = loader_message.rfind(' ', colon);
  return loader_message.substr(start == std::string::npos ? 0 : start + 1,
                               colon - (start == std::string::npos ? 0 : start + 1));
}

const std::string kContainerFix =
    "in a container, expose the GPU and the driver: `docker run --gpus all ...` (NVIDIA Container Toolkit), "
    "`podman run --device nvidia.com/gpu=all ...` (CDI; `nvidia-ctk cdi generate` or `gpucert cdi` writes the "
    "spec); on the host, check `nvidia-smi`";

// The causes of "CUDA is not available" the doctor knows, each a rule over the probe that names the cause, explains
// it and gives the fix, or stays silent. Several may hold at once (a container without the GPU lacks both the
// device nodes and libcuda); all that hold are reported, in this order.
using CudaRule = std::optional<Diagnosis> (*)(const ProbeReport&);

std::optional<Diagnosis> visible_devices_void(const ProbeReport& r) {
  bool set = false;
  const auto nvd = env(r, "NVIDIA_VISIBLE_DEVICES", &set);
  // A CDI spec sets NVIDIA_VISIBLE_DEVICES=void next to the nodes it injects (so that no toolkit hook injects
  // twice): void is the cause only where the container indeed got no GPU node.
  if (!set || !(nvd.empty() || nvd == "void" || nvd == "none") || has_gpu_nodes(r)) return std::nullopt;
  return Diagnosis{"nvidia-visible-devices-void",
                   "NVIDIA_VISIBLE_DEVICES is '" + nvd + "': the container runtime was told to expose no GPU",
                   "The NVIDIA container runtime reads NVIDIA_VISIBLE_DEVICES; 'void', 'none' or empty leaves the "
                   "container without device nodes and without the driver library.",
                   "run with NVIDIA_VISIBLE_DEVICES=all (or a list of GPU indices/UUIDs), e.g. "
                   "`docker run --gpus all -e NVIDIA_VISIBLE_DEVICES=all ...`"};
}

std::optional<Diagnosis> capabilities_without_compute(const ProbeReport& r) {
  bool set = false;
  const auto caps = env(r, "NVIDIA_DRIVER_CAPABILITIES", &set);
  if (!set || caps.find("compute") != std::string::npos || caps.find("all") != std::string::npos) return std::nullopt;
  return Diagnosis{"driver-capabilities-without-compute",
                   "NVIDIA_DRIVER_CAPABILITIES is '" + caps + "', without 'compute'",
                   "The container runtime mounts only the driver libraries of the listed capabilities; without "
                   "'compute' there is no libcuda.so.1 in the container.",
                   "set NVIDIA_DRIVER_CAPABILITIES=compute,utility (or 'all')"};
}

// libcuda.so.1 absent, or present but failing to load by itself.
std::optional<Diagnosis> libcuda_not_loaded(const ProbeReport& r) {
  if (r.libcuda.loaded) return std::nullopt;
  const auto missing = missing_file_in(r.libcuda.error);
  if (!(missing.empty() || missing == r.libcuda.name || missing.rfind("libcuda.so", 0) == 0)) return std::nullopt;
  if (missing.empty() && !r.libcuda.error.empty())
    return Diagnosis{"libcuda-unloadable", "libcuda.so.1 is present but cannot be loaded",
                     "The loader said: " + r.libcuda.error,
                     "reinstall the NVIDIA driver matching the kernel module (`nvidia-smi` names it); in a "
                     "container, do not copy libcuda into the image: let the runtime mount the host's"};
  return Diagnosis{"libcuda-missing", "the NVIDIA driver library libcuda.so.1 is not on this system",
                   "CUDA programs reach the GPU through the driver's libcuda.so.1, installed with the driver "
                   "and mounted into containers by the container toolkit. The loader said: " +
                       (r.libcuda.error.empty() ? std::string("(nothing)") : r.libcuda.error),
                   "install the NVIDIA driver (`nvidia-smi` must work on the host); " + kContainerFix};
}

// libcuda.so.1 found, but a library it needs is not.
std::optional<Diagnosis> libcuda_dependency_missing(const ProbeReport& r) {
  if (r.libcuda.loaded) return std::nullopt;
  const auto missing = missing_file_in(r.libcuda.error);
  if (missing.empty() || missing == r.libcuda.name || missing.rfind("libcuda.so", 0) == 0) return std::nullopt;
  const bool c_library = is_c_library(missing);
  const std::string host_driver = r.driver_release.empty() ? std::string()
                                                           : " The kernel driver " + r.driver_release +
                                                                 " is loaded (nvidia-smi works on the host).";
  return Diagnosis{
      "libcuda-dependency-missing", "libcuda.so.1 was found but cannot load: its dependency " + missing + " is missing",
      "The loader said: " + r.libcuda.error + "." + host_driver +
          (c_library ? " libcuda.so.1 needs the C library's libdl.so.2, libpthread.so.0 and librt.so.1 "
                       "even where glibc 2.34+ merged them into libc.so.6; a root filesystem without "
                       "them lets nvidia-smi work on the host while every CUDA call in the container "
                       "fails (cudart reports error 35, insufficient driver, and a driver version of 0)."
                     : " Until it loads, cudart reports error 35 (insufficient driver) and a driver "
                       "version of 0, whatever the driver is."),
      c_library ? "add " + missing +
                      " to the image (it belongs to the C library: `apt-get install libc6`, "
                      "`dnf install glibc`, or build from a complete base image); check with "
                      "`ldd " +
                      libcuda_shown(r) + "`"
                : "install the package that provides " + missing + " (`apt-file search " + missing +
                      "`, `dnf provides '*/" + missing + "'`); check with `ldd " + libcuda_shown(r) +
                      "`. A libcuda.so.1 copied into an image belongs to another system: remove it and let "
                      "the container runtime mount the host's"};
}

std::optional<Diagnosis> libcuda_stub(const ProbeReport& r) {
  if (!r.libcuda.loaded || (r.libcuda.path.find("/stubs/") == std::string::npos &&
                            !(r.cuda_error && r.cuda_error->code == kCudaErrorStubLibrary)))
    return std::nullopt;
  return Diagnosis{"libcuda-stub", "the CUDA stub library was loaded instead of the driver: " + libcuda_shown(r),
                   "The toolkit's stubs/libcuda.so exists only to link against; at run time it fails every call "
                   "(cudaErrorStubLibrary (34)). It was found first on the library path" +
                       (env(r, "LD_LIBRARY_PATH").empty() ? std::string(".")
                                                          : " (LD_LIBRARY_PATH=" + env(r, "LD_LIBRARY_PATH") + ")."),
                   "remove the toolkit's lib64/stubs folder from LD_LIBRARY_PATH (and from /etc/ld.so.conf.d), "
                   "then `ldconfig`"};
}

std::optional<Diagnosis> no_device_nodes(const ProbeReport& r) {
  if (has_gpu_nodes(r)) return std::nullopt;
  return Diagnosis{"no-device-nodes", "no NVIDIA device nodes (/dev/nvidiactl, /dev/nvidia0, ...)",
                   "Without the device nodes no process can talk to the GPU: either no NVIDIA driver is loaded "
                   "on this host, or the container was started without the GPU.",
                   "on the host, load the driver (`nvidia-smi`, `modprobe nvidia`); " + kContainerFix};
}

std::optional<Diagnosis> driver_too_old(const ProbeReport& r) {
  if (!(r.cuda_error && r.cuda_error->code == kCudaErrorInsufficientDriver && r.libcuda.loaded &&
        r.driver_version > 0 && r.driver_version < r.runtime_version))
    return std::nullopt;
  const auto runtime_major = r.runtime_version / 1000;
  return Diagnosis{"driver-too-old",
                   "the driver supports CUDA " + format_cuda_version(r.driver_version) +
                       ", older than this CUDA runtime " + format_cuda_version(r.runtime_version),
                   "cudaErrorInsufficientDriver (35): the runtime needs a newer driver. Minor-version "
                   "compatibility lets any " +
                       std::to_string(runtime_major) + ".x runtime run on driver " +
                       minimum_driver_for_cuda_major(runtime_major) +
                       " or newer; forward compatibility (the cuda-compat package) covers data-centre GPUs only.",
                   "upgrade the driver to " + minimum_driver_for_cuda_major(runtime_major) +
                       " or newer, or on data-centre GPUs install cuda-compat-" + std::to_string(runtime_major) + "-" +
                       std::to_string((r.runtime_version % 1000) / 10) +
                       " and put its folder first on LD_LIBRARY_PATH, or use an image of an older CUDA"};
}

std::optional<Diagnosis> visible_devices_hide_all(const ProbeReport& r) {
  bool set = false;
  const auto cvd = env(r, "CUDA_VISIBLE_DEVICES", &set);
  if (!(r.cuda_error && r.cuda_error->code == kCudaErrorNoDevice && set && has_gpu_nodes(r))) return std::nullopt;
  return Diagnosis{"cuda-visible-devices-hides-all",
                   "CUDA_VISIBLE_DEVICES='" + cvd + "' hides every GPU from this process",
                   "CUDA enumerates only the devices CUDA_VISIBLE_DEVICES lists; an empty value, an index past "
                   "the last GPU or an unknown UUID leaves none.",
                   "unset CUDA_VISIBLE_DEVICES or list valid indices (`nvidia-smi -L` shows them)"};
}

constexpr CudaRule kCudaRules[] = {visible_devices_void, capabilities_without_compute,
                                   libcuda_not_loaded,   libcuda_dependency_missing,
                                   libcuda_stub,         no_device_nodes,
                                   driver_too_old,       visible_devices_hide_all};

void diagnose_cuda(const ProbeReport& r, std::vector<Diagnosis>& out) {
  for (const auto rule : kCudaRules)
    if (auto d = rule(r)) out.push_back(std::move(*d));
  if (!out.empty()) return;
  // No known cause: the error itself, as CUDA gave it.
  if (r.cuda_error)
    out.push_back(
        {"cuda-error",
         r.cuda_error->call + " failed with " + r.cuda_error->name + " (" + std::to_string(r.cuda_error->code) + ")",
         r.cuda_error->message, "check `nvidia-smi` and the kernel log (`dmesg | grep -i nvrm`)"});
  else
    out.push_back({"no-device", "CUDA initialised but reports no device", "cudaGetDeviceCount returned 0 devices.",
                   "check `nvidia-smi -L`"});
}

std::string first_line(const std::string& text, std::size_t limit) {
  auto line = text.substr(0, text.find('\n'));
  return line.size() <= limit ? line : line.substr(0, limit) + "...";
}

std::string torch_wheel_index(int cuda_version) {
  return "https://download.pytorch.org/whl/cu" + std::to_string(cuda_version / 1000) +
         std::to_string((cuda_version % 1000) / 10);
}

std::string quoted_warnings(const PythonTorchProbe& t) {
  std::string text;
  for (const auto& w : t.warnings) text += " torch warned: \"" + w + "\"";
  return text;
}

const std::string kTorchCheck =
    "check with `python3 -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.is_available())'` "
    "and `python3 -c 'import torch; torch.cuda.init()'`, which raises the reason";

void diagnose_torch(const ProbeReport& r, std::vector<Diagnosis>& out) {
  if (!r.python_torch) return;
  const auto& t = *r.python_torch;
  if (t.torch_version.empty()) {
    if (!t.error.empty())
      out.push_back({"torch-import-failed",
                     "asking " + t.python + " for PyTorch's CUDA failed: " + first_line(t.error, 160),
                     "torch is on the Python path but the probe's `import torch; torch.cuda.is_available()` did not "
                     "answer: " +
                         t.error,
                     "repair the PyTorch install (`pip install --force-reinstall torch --index-url " +
                         torch_wheel_index(r.runtime_version > 0 ? r.runtime_version : 13000) +
                         "`); a missing libcu*.so in the message means the wheel's CUDA libraries "
                         "(nvidia-* packages) are missing or shadowed by LD_LIBRARY_PATH"});
    return;
  }
  const int torch_cuda = parse_cuda_version(t.torch_cuda);
  const std::string torch_name = "PyTorch " + t.torch_version;
  const int image_cuda = parse_cuda_version(env(r, "CUDA_VERSION"));
  const int driver = r.driver_version;

  bool explained = false;
  if (torch_cuda > 0 && driver > 0 && torch_cuda > driver && (torch_cuda / 1000 > driver / 1000 || !t.is_available)) {
    explained = true;
    out.push_back({"torch-cuda-newer-than-driver",
                   torch_name + " is built for CUDA " + t.torch_cuda + ", newer than the driver supports (CUDA " +
                       format_cuda_version(driver) + ")",
                   "A CUDA " + t.torch_cuda + " build needs a driver of CUDA " + t.torch_cuda +
                       " or, through "
                       "minor-version compatibility, at least driver " +
                       minimum_driver_for_cuda_major(torch_cuda / 1000) + " of the same major; this driver" +
                       (r.driver_release.empty() ? std::string() : " (" + r.driver_release + ")") + " supports CUDA " +
                       format_cuda_version(driver) + ". torch.cuda.is_available() is " +
                       (t.is_available ? "True" : "False") + "." + quoted_warnings(t),
                   "install the PyTorch build for this driver's CUDA (`pip install torch --index-url " +
                       torch_wheel_index(driver) + "`), or upgrade the driver to " +
                       minimum_driver_for_cuda_major(torch_cuda / 1000) + " or newer"});
  }
  if (torch_cuda > 0 && image_cuda > 0 && torch_cuda / 1000 != image_cuda / 1000)
    out.push_back({"torch-cuda-differs-from-image",
                   torch_name + " is built for CUDA " + t.torch_cuda + ", but the image is CUDA " +
                       env(r, "CUDA_VERSION") + " (CUDA_VERSION)",
                   "A PyTorch wheel of another CUDA major brings its own CUDA libraries (or finds the image's of "
                   "the wrong major): what runs is not the CUDA this image ships and certifies, libraries on "
                   "LD_LIBRARY_PATH can shadow the wheel's, and the driver must serve both majors. "
                   "torch.cuda.is_available() is " +
                       std::string(t.is_available ? "True" : "False") + "." + quoted_warnings(t),
                   "install the PyTorch build for CUDA " + std::to_string(image_cuda / 1000) +
                       " (`pip install torch --index-url " + torch_wheel_index(image_cuda) + "`, or the CUDA " +
                       std::to_string(image_cuda / 1000) + ".x wheel nearest to it), or use an image of CUDA " +
                       std::to_string(torch_cuda / 1000)});

  if (t.is_available || !r.cuda_usable() || explained) return;
  const std::string seen = std::to_string(r.devices.size()) + " GPU(s)";
  if (t.torch_cuda.empty()) {
    out.push_back({"torch-cpu-only", torch_name + " is a CPU-only build: it cannot use the " + seen + " here",
                   "torch.version.cuda is None: this wheel was built without CUDA (pip's default index serves "
                   "CPU-only wheels on some platforms, and `+cpu` versions are CPU-only everywhere).",
                   "install a CUDA build: `pip install torch --index-url " +
                       torch_wheel_index(image_cuda > 0 ? image_cuda : r.runtime_version) + "`"});
    return;
  }
  out.push_back({"torch-cuda-unavailable", "torch.cuda.is_available() is False although gpucert's worker sees " + seen,
                 "CUDA works for the worker in this same environment, so the GPU, its device nodes and libcuda are "
                 "there; " +
                     torch_name + " (CUDA " + t.torch_cuda +
                     ") fails on its own. Likely causes: "
                     "CUDA_VISIBLE_DEVICES set differently for Python; the wheel's CUDA libraries (nvidia-*-cu" +
                     std::to_string(torch_cuda / 1000) +
                     " packages) missing or shadowed by other versions on "
                     "LD_LIBRARY_PATH; a GPU architecture the wheel was not built for; or a torch that found no "
                     "libcuda on its own search path." +
                     quoted_warnings(t) + (t.error.empty() ? std::string() : " Python said: " + t.error),
                 kTorchCheck + "; `python3 -c 'import torch; print(torch.cuda.get_arch_list())'` lists the GPU "
                               "architectures the wheel supports; `ldd $(python3 -c 'import torch, os; "
                               "print(os.path.dirname(torch.__file__))')/lib/libtorch_cuda.so | grep 'not found'` "
                               "finds missing libraries"});
}

}  // namespace

std::vector<Diagnosis> diagnose(const ProbeReport& r) {
  std::vector<Diagnosis> out;
  if (!r.cuda_usable()) diagnose_cuda(r, out);
  diagnose_torch(r, out);
  return out;
}

std::vector<Diagnosis> diagnose_start_failure(const std::string& message) {
  const std::string marker = "error while loading shared libraries: ";
  if (const auto at = message.find(marker); at != std::string::npos) {
    const auto missing = missing_file_in(message.substr(at + marker.size()));
    if (!missing.empty()) {
      const bool c_library = is_c_library(missing);
      return {{"worker-library-missing",
               "the image lacks " + missing + ": the worker cannot start, and CUDA could not work there either",
               "The loader said: " + first_line(message.substr(at), 300) + "." +
                   (c_library ? " " + missing +
                                    " belongs to the C library; the CUDA runtime (libcudart) and the "
                                    "driver's libcuda.so.1 are both linked against libdl.so.2, libpthread.so.0 and "
                                    "librt.so.1, so a root filesystem without it fails every CUDA program while "
                                    "nvidia-smi works on the host."
                              : " gpucert-worker is bind-mounted from the host and needs the libraries it was "
                                "built with, as any CUDA program of the image would."),
               c_library ? "add " + missing +
                               " to the image (`apt-get install libc6`, `dnf install glibc`, or build "
                               "from a complete base image)"
                         : "install the package that provides " + missing + " in the image (`apt-file search " +
                               missing + "`), or use an image of the CUDA version the worker was built for"}};
    }
  }
  return {{"worker-did-not-start",
           "gpucert-worker did not start or answer in this environment: " + first_line(message, 200), message,
           "run the runtime's command by hand to see its own error (`gpucert doctor` printed the argv's program; "
           "for oci: `runc run --bundle DIR NAME`), and check that the image runs any program"}};
}

bool framework_cannot_use_gpu(const std::vector<Diagnosis>& diagnoses) {
  return std::any_of(diagnoses.begin(), diagnoses.end(), [](const Diagnosis& d) {
    return d.cause == "torch-import-failed" || d.cause == "torch-cpu-only" || d.cause == "torch-cuda-unavailable" ||
           d.cause == "torch-cuda-newer-than-driver";
  });
}

}  // namespace gpucert

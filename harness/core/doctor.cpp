#include "doctor.hpp"

#include <algorithm>
#include <cctype>

#include "compat.hpp"

namespace gpucert {
namespace {

constexpr int kCudaErrorInsufficientDriver = 35;
constexpr int kCudaErrorNoDevice = 100;

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

}  // namespace

std::vector<Diagnosis> diagnose(const ProbeReport& r) {
  std::vector<Diagnosis> out;
  if (r.cuda_usable()) return out;

  bool nvd_set = false;
  const auto nvd = env(r, "NVIDIA_VISIBLE_DEVICES", &nvd_set);
  if (nvd_set && (nvd.empty() || nvd == "void" || nvd == "none"))
    out.push_back({"nvidia-visible-devices-void",
                   "NVIDIA_VISIBLE_DEVICES is '" + nvd + "': the container runtime was told to expose no GPU",
                   "The NVIDIA container runtime reads NVIDIA_VISIBLE_DEVICES; 'void', 'none' or empty leaves the "
                   "container without device nodes and without the driver library.",
                   "run with NVIDIA_VISIBLE_DEVICES=all (or a list of GPU indices/UUIDs), e.g. "
                   "`docker run --gpus all -e NVIDIA_VISIBLE_DEVICES=all ...`"});

  bool caps_set = false;
  const auto caps = env(r, "NVIDIA_DRIVER_CAPABILITIES", &caps_set);
  if (caps_set && caps.find("compute") == std::string::npos && caps.find("all") == std::string::npos)
    out.push_back({"driver-capabilities-without-compute",
                   "NVIDIA_DRIVER_CAPABILITIES is '" + caps + "', without 'compute'",
                   "The container runtime mounts only the driver libraries of the listed capabilities; without "
                   "'compute' there is no libcuda.so.1 in the container.",
                   "set NVIDIA_DRIVER_CAPABILITIES=compute,utility (or 'all')"});

  if (!r.libcuda.loaded) {
    const auto missing = missing_file_in(r.libcuda.error);
    if (missing.empty() || missing == r.libcuda.name || missing.rfind("libcuda.so", 0) == 0) {
      if (missing.empty() && !r.libcuda.error.empty())
        out.push_back({"libcuda-unloadable", "libcuda.so.1 is present but cannot be loaded",
                       "The loader said: " + r.libcuda.error,
                       "reinstall the NVIDIA driver matching the kernel module (`nvidia-smi` names it); in a "
                       "container, do not copy libcuda into the image: let the runtime mount the host's"});
      else
        out.push_back({"libcuda-missing", "the NVIDIA driver library libcuda.so.1 is not on this system",
                       "CUDA programs reach the GPU through the driver's libcuda.so.1, installed with the driver "
                       "and mounted into containers by the container toolkit. The loader said: " +
                           (r.libcuda.error.empty() ? std::string("(nothing)") : r.libcuda.error),
                       "install the NVIDIA driver (`nvidia-smi` must work on the host); " + kContainerFix});
    } else {
      out.push_back({"libcuda-dependency-missing",
                     "libcuda.so.1 was found but cannot load: its dependency " + missing + " is missing",
                     "The loader said: " + r.libcuda.error +
                         ". A root filesystem without the C library's " + missing +
                         " lets nvidia-smi work on the host while every CUDA call in the container fails "
                         "(cudart reports error 35, insufficient driver, and a driver version of 0).",
                     "add " + missing + " to the image (it belongs to the C library: `apt-get install libc6`, or "
                     "build from a complete base image)"});
    }
  } else if (r.libcuda.path.find("/stubs/") != std::string::npos) {
    out.push_back({"libcuda-stub", "the CUDA stub library was loaded instead of the driver: " + r.libcuda.path,
                   "The toolkit's stubs/libcuda.so exists only to link against; at run time it fails every call. "
                   "It was found first on the library path.",
                   "remove the toolkit's lib64/stubs folder from LD_LIBRARY_PATH (and from /etc/ld.so.conf.d), "
                   "then `ldconfig`"});
  }

  if (!has_gpu_nodes(r))
    out.push_back({"no-device-nodes", "no NVIDIA device nodes (/dev/nvidiactl, /dev/nvidia0, ...)",
                   "Without the device nodes no process can talk to the GPU: either no NVIDIA driver is loaded "
                   "on this host, or the container was started without the GPU.",
                   "on the host, load the driver (`nvidia-smi`, `modprobe nvidia`); " + kContainerFix});

  if (r.cuda_error && r.cuda_error->code == kCudaErrorInsufficientDriver && r.libcuda.loaded &&
      r.driver_version > 0 && r.driver_version < r.runtime_version) {
    const auto runtime_major = r.runtime_version / 1000;
    out.push_back({"driver-too-old",
                   "the driver supports CUDA " + format_cuda_version(r.driver_version) +
                       ", older than this CUDA runtime " + format_cuda_version(r.runtime_version),
                   "cudaErrorInsufficientDriver (35): the runtime needs a newer driver. Minor-version "
                   "compatibility lets any " + std::to_string(runtime_major) + ".x runtime run on driver " +
                       minimum_driver_for_cuda_major(runtime_major) +
                       " or newer; forward compatibility (the cuda-compat package) covers data-centre GPUs only.",
                   "upgrade the driver to " + minimum_driver_for_cuda_major(runtime_major) +
                       " or newer, or on data-centre GPUs install cuda-compat-" + std::to_string(runtime_major) +
                       "-" + std::to_string((r.runtime_version % 1000) / 10) +
                       " and put its folder first on LD_LIBRARY_PATH, or use an image of an older CUDA"});
  }

  bool cvd_set = false;
  const auto cvd = env(r, "CUDA_VISIBLE_DEVICES", &cvd_set);
  if (r.cuda_error && r.cuda_error->code == kCudaErrorNoDevice && cvd_set && has_gpu_nodes(r))
    out.push_back({"cuda-visible-devices-hides-all",
                   "CUDA_VISIBLE_DEVICES='" + cvd + "' hides every GPU from this process",
                   "CUDA enumerates only the devices CUDA_VISIBLE_DEVICES lists; an empty value, an index past "
                   "the last GPU or an unknown UUID leaves none.",
                   "unset CUDA_VISIBLE_DEVICES or list valid indices (`nvidia-smi -L` shows them)"});

  if (out.empty()) {
    if (r.cuda_error)
      out.push_back({"cuda-error",
                     r.cuda_error->call + " failed with " + r.cuda_error->name + " (" +
                         std::to_string(r.cuda_error->code) + ")",
                     r.cuda_error->message, "check `nvidia-smi` and the kernel log (`dmesg | grep -i nvrm`)"});
    else
      out.push_back({"no-device", "CUDA initialised but reports no device",
                     "cudaGetDeviceCount returned 0 devices.", "check `nvidia-smi -L`"});
  }
  return out;
}

}  // namespace gpucert

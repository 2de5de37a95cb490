// The doctor's static half: the causes that belong to an image, found from its configuration and its files
// alone, on a machine without a GPU (an image pipeline's CPU builder) as on a GPU host. Each rule is pure
// over ImageFiles (what runtime/image_files.hpp reads in a root filesystem) and is tested by constructing
// them. docs/CONTAINERS.md lists the causes, how each is detected and what a user would see.
#pragma once

#include <string>
#include <vector>

#include "doctor.hpp"
#include "image_facts.hpp"
#include "toolkit_rules.hpp"

namespace gpucert {

// What a root filesystem holds that decides whether CUDA works in it under the container toolkit.
struct ImageFiles {
  bool debian_family = false;
  // The folders the image's loader searches, in its order: LD_LIBRARY_PATH, then ld.so.conf (with its
  // includes), then the system folders.
  std::vector<std::string> loader_dirs;
  std::vector<std::string> ld_library_path;  // LD_LIBRARY_PATH's folders alone
  struct Library {
    std::string path;    // inside the image: "/usr/local/cuda/lib64/stubs/libcuda.so"
    std::string target;  // where its symlinks lead, inside the image; empty for a plain file
    bool empty = false;  // a file of 0 bytes: the mount point a container runtime left behind
  };
  std::vector<Library> libcuda;             // every libcuda.so* found in the loader's folders and CUDA's own folders
  std::vector<std::string> compat_libcuda;  // /usr/local/cuda/compat/libcuda.so.<release> files
  struct Soname {
    std::string library;  // "cudart", "cublas", "cublasLt", "nvrtc"
    int major = 0;
    std::string path;
  };
  std::vector<Soname> cuda_libraries;  // the versioned sonames of the CUDA libraries that follow CUDA's major
  struct Framework {
    std::string name;     // "torch", "cudatoolkit" (conda), "cuda-version" (conda), "cuda-runtime wheel"
    std::string version;  // "2.3.1+cu121", "11.8.0"
    std::string cuda;     // the CUDA it was built for ("12.1"); empty: a CPU-only build (torch)
    std::string path;     // the file that says so
  };
  std::vector<Framework> frameworks;
};

// Where the image will run: the host's architecture ("amd64"), its driver (empty fields: unknown, e.g. a
// CPU builder without --driver), and the GPUs the runtime is asked for (empty: none named, as `docker run
// --runtime nvidia` without --gpus, where the image's NVIDIA_VISIBLE_DEVICES decides alone).
struct ImageHost {
  std::string architecture;
  toolkit::HostDriver driver;
  std::vector<std::string> requested_gpus;
};

struct ImageFinding {
  Diagnosis diagnosis;
  bool fatal = false;  // CUDA (or the image's framework) fails under the toolkit: the image does not pass
};

// Every cause found, fatal ones first. Cause ids: image-architecture-mismatch,
// driver-capabilities-unsupported, driver-capabilities-without-compute, nvidia-visible-devices-void,
// requirement-unsatisfied, requirement-invalid, libcuda-in-image, libcuda-stub-on-loader-path,
// cuda-compat-older-than-driver, cuda-compat-forced, cuda-library-major-mismatch, framework-cpu-only,
// framework-cuda-newer-than-image, framework-cuda-newer-than-driver, framework-cuda-differs-from-image.
std::vector<ImageFinding> diagnose_image(const ImageFacts& facts, const ImageFiles& files, const ImageHost& host);

bool has_fatal(const std::vector<ImageFinding>& findings);

}  // namespace gpucert

// The static image doctor: each cause from a constructed image (config and files), fatal or a warning as the
// toolkit would meet it, and no finding for a clean CUDA image. Also the reader of a root filesystem.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/image_doctor.hpp"
#include "runtime/image_files.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

namespace fs = std::filesystem;

ImageFacts clean_image() {
  ImageFacts facts;
  facts.architecture = "amd64";
  facts.env = {{"CUDA_VERSION", "13.0.1"},
               {"NVIDIA_REQUIRE_CUDA", "cuda>=13.0 brand=unknown,driver>=535,driver<536"},
               {"NVIDIA_DRIVER_CAPABILITIES", "compute,utility"},
               {"NVIDIA_VISIBLE_DEVICES", "all"},
               {"LD_LIBRARY_PATH", "/usr/local/nvidia/lib:/usr/local/nvidia/lib64"}};
  return facts;
}

ImageFiles clean_files() {
  ImageFiles files;
  files.debian_family = true;
  files.ld_library_path = {"/usr/local/nvidia/lib", "/usr/local/nvidia/lib64"};
  files.loader_dirs = {"/usr/local/nvidia/lib",
                       "/usr/local/nvidia/lib64",
                       "/usr/local/cuda/targets/x86_64-linux/lib",
                       "/lib/x86_64-linux-gnu",
                       "/usr/lib/x86_64-linux-gnu",
                       "/lib",
                       "/usr/lib"};
  files.libcuda = {{"/usr/local/cuda/targets/x86_64-linux/lib/stubs/libcuda.so", ""}};  // devel: stub off the path
  files.cuda_libraries = {{"cudart", 13, "/usr/local/cuda/targets/x86_64-linux/lib/libcudart.so.13"},
                          {"cublas", 13, "/usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.13"}};
  return files;
}

ImageHost h200_host() { return {"amd64", {"580.95.05", "13.0"}, {"0"}}; }

const ImageFinding* find(const std::vector<ImageFinding>& findings, const std::string& cause) {
  for (const auto& f : findings)
    if (f.diagnosis.cause == cause) return &f;
  return nullptr;
}

TEST(ImageDoctor, CleanImageHasNoFinding) {
  const auto findings = diagnose_image(clean_image(), clean_files(), h200_host());
  for (const auto& f : findings) ADD_FAILURE() << f.diagnosis.cause << ": " << f.diagnosis.summary;
  // Without a known driver the requirement rules are not judged, and still nothing is found.
  EXPECT_TRUE(diagnose_image(clean_image(), clean_files(), {"amd64", {}, {"0"}}).empty());
}

TEST(ImageDoctor, ArchitectureOfAnotherHost) {
  auto facts = clean_image();
  facts.architecture = "arm64";
  const auto findings = diagnose_image(facts, clean_files(), h200_host());
  const auto* f = find(findings, "image-architecture-mismatch");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->fatal);
  EXPECT_HAS(f->diagnosis.explanation, "exec format error");
}

TEST(ImageDoctor, CapabilitiesWithoutCompute) {
  auto facts = clean_image();
  facts.env["NVIDIA_DRIVER_CAPABILITIES"] = "utility";
  auto findings = diagnose_image(facts, clean_files(), h200_host());
  const auto* f = find(findings, "driver-capabilities-without-compute");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->fatal);
  EXPECT_HAS(f->diagnosis.explanation, "(35)");
  facts.env["NVIDIA_DRIVER_CAPABILITIES"] = "compute,gpu";
  findings = diagnose_image(facts, clean_files(), h200_host());
  ASSERT_NE(find(findings, "driver-capabilities-unsupported"), nullptr);
  EXPECT_HAS(find(findings, "driver-capabilities-unsupported")->diagnosis.explanation,
             "unsupported capabilities found in");
}

TEST(ImageDoctor, VisibleDevicesVoidIsFatalOnlyWithoutADeviceRequest) {
  auto facts = clean_image();
  facts.env["NVIDIA_VISIBLE_DEVICES"] = "void";
  auto host = h200_host();
  auto findings = diagnose_image(facts, clean_files(), host);
  ASSERT_NE(find(findings, "nvidia-visible-devices-void"), nullptr);
  EXPECT_FALSE(find(findings, "nvidia-visible-devices-void")->fatal);  // --gpus 0 names the GPU itself
  host.requested_gpus.clear();
  findings = diagnose_image(facts, clean_files(), host);
  EXPECT_TRUE(find(findings, "nvidia-visible-devices-void")->fatal);
  facts.env.erase("NVIDIA_VISIBLE_DEVICES");  // unset in a non-legacy image: void too
  EXPECT_NE(find(diagnose_image(facts, clean_files(), host), "nvidia-visible-devices-void"), nullptr);
  facts.env.erase("NVIDIA_REQUIRE_CUDA");  // a legacy image: unset means all
  EXPECT_EQ(find(diagnose_image(facts, clean_files(), host), "nvidia-visible-devices-void"), nullptr);
}

TEST(ImageDoctor, RequirementNotMetByTheDriver) {
  auto host = h200_host();
  // brand=unknown never holds on a real GPU, but without GPU facts the toolkit lets brand rules hold, so on
  // a CPU builder the 535 alternative is met, as nvidia-container-cli with no visible device would judge it.
  host.driver = {"535.183.01", "12.2"};
  EXPECT_EQ(find(diagnose_image(clean_image(), clean_files(), host), "requirement-unsatisfied"), nullptr);
  host.driver = {"550.54.14", "12.4"};
  const auto f550_findings = diagnose_image(clean_image(), clean_files(), host);
  const auto* f550 = find(f550_findings, "requirement-unsatisfied");
  ASSERT_NE(f550, nullptr);
  EXPECT_TRUE(f550->fatal);
  EXPECT_HAS(f550->diagnosis.explanation, "unsatisfied condition: cuda>=13.0, please update your driver");
  auto facts = clean_image();
  facts.env["NVIDIA_DISABLE_REQUIRE"] = "1";
  EXPECT_EQ(find(diagnose_image(facts, clean_files(), host), "requirement-unsatisfied"), nullptr);
}

TEST(ImageDoctor, LibcudaBakedIntoTheImage) {
  auto files = clean_files();
  files.libcuda.push_back(
      {"/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.535.183.01"});
  const auto f_findings = diagnose_image(clean_image(), files, h200_host());
  const auto* f = find(f_findings, "libcuda-in-image");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->fatal);
  EXPECT_HAS(f->diagnosis.explanation, "535.183.01");
  EXPECT_HAS(f->diagnosis.explanation, "(803)");
}

TEST(ImageDoctor, EmptyMountPointLeftInTheImage) {
  auto files = clean_files();
  files.libcuda.push_back({"/usr/local/nvidia/lib64/libcuda.so.1", "", true});
  const auto f_findings = diagnose_image(clean_image(), files, h200_host());
  const auto* f = find(f_findings, "libcuda-in-image");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->fatal);
  EXPECT_HAS(f->diagnosis.summary, "mount point");
  EXPECT_HAS(f->diagnosis.explanation, "file too short");
}

TEST(ImageDoctor, StubOnTheLoaderPath) {
  auto files = clean_files();
  files.ld_library_path.push_back("/usr/local/cuda/lib64/stubs");
  files.loader_dirs.insert(files.loader_dirs.begin(), "/usr/local/cuda/lib64/stubs");
  files.libcuda.push_back({"/usr/local/cuda/lib64/stubs/libcuda.so.1", "/usr/local/cuda/lib64/stubs/libcuda.so"});
  const auto findings = diagnose_image(clean_image(), files, h200_host());
  const auto* f = find(findings, "libcuda-stub-on-loader-path");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->fatal);
  EXPECT_HAS(f->diagnosis.explanation, "(34)");
  EXPECT_EQ(find(findings, "libcuda-in-image"), nullptr);  // a stub is not a driver copy
}

TEST(ImageDoctor, ForwardCompatibilityOlderOrForced) {
  auto files = clean_files();
  files.compat_libcuda = {"/usr/local/cuda/compat/libcuda.so.575.57.08"};
  // Off the loader path: the toolkit decides, nothing to say.
  EXPECT_TRUE(diagnose_image(clean_image(), files, h200_host()).empty());
  files.ld_library_path.insert(files.ld_library_path.begin(), "/usr/local/cuda/compat");
  files.loader_dirs.insert(files.loader_dirs.begin(), "/usr/local/cuda/compat");
  auto findings = diagnose_image(clean_image(), files, h200_host());
  ASSERT_NE(find(findings, "cuda-compat-older-than-driver"), nullptr);
  EXPECT_TRUE(find(findings, "cuda-compat-older-than-driver")->fatal);
  EXPECT_HAS(find(findings, "cuda-compat-older-than-driver")->diagnosis.explanation, "(803)");
  auto host = h200_host();
  host.driver = {"550.54.14", "12.4"};
  auto facts = clean_image();
  facts.env["NVIDIA_DISABLE_REQUIRE"] = "true";
  findings = diagnose_image(facts, files, host);
  ASSERT_NE(find(findings, "cuda-compat-forced"), nullptr);
  EXPECT_HAS(find(findings, "cuda-compat-forced")->diagnosis.explanation, "(804)");
}

TEST(ImageDoctor, LibrariesOfAnotherMajor) {
  auto files = clean_files();
  files.cuda_libraries = {{"cudart", 12, "/usr/local/cuda/lib64/libcudart.so.12"}};
  auto facts = clean_image();
  facts.env["CUDA_VERSION"] = "11.8.0";
  const auto f_findings = diagnose_image(facts, files, h200_host());
  const auto* f = find(f_findings, "cuda-library-major-mismatch");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->fatal);
  files.cuda_libraries.push_back({"cudart", 11, "/usr/local/cuda/lib64/libcudart.so.11.0"});
  EXPECT_FALSE(find(diagnose_image(facts, files, h200_host()), "cuda-library-major-mismatch")->fatal);
}

TEST(ImageDoctor, FrameworksBuiltForAnotherCuda) {
  auto files = clean_files();
  files.frameworks = {{"torch", "2.5.1+cpu", "", "/usr/local/lib/python3.12/dist-packages/torch/version.py"}};
  EXPECT_TRUE(find(diagnose_image(clean_image(), files, h200_host()), "framework-cpu-only")->fatal);

  auto facts = clean_image();
  facts.env["CUDA_VERSION"] = "12.4.1";
  facts.env["NVIDIA_REQUIRE_CUDA"] = "cuda>=12.4";
  files.frameworks = {{"torch", "2.9.0+cu130", "13.0", "/usr/local/lib/python3.12/dist-packages/torch/version.py"}};
  auto host = h200_host();
  host.driver = {"550.54.14", "12.4"};
  auto findings = diagnose_image(facts, files, host);
  ASSERT_NE(find(findings, "framework-cuda-newer-than-driver"), nullptr);
  EXPECT_TRUE(find(findings, "framework-cuda-newer-than-driver")->fatal);
  host.driver = {};  // a CPU builder: the image's own promise is what is wrong
  findings = diagnose_image(facts, files, host);
  ASSERT_NE(find(findings, "framework-cuda-newer-than-image"), nullptr);
  EXPECT_TRUE(find(findings, "framework-cuda-newer-than-image")->fatal);

  files.frameworks = {
      {"conda cudatoolkit", "11.8.0", "11.8", "/opt/conda/conda-meta/cudatoolkit-11.8.0-h6a678d5_0.json"}};
  findings = diagnose_image(facts, files, h200_host());
  ASSERT_NE(find(findings, "framework-cuda-differs-from-image"), nullptr);
  EXPECT_FALSE(find(findings, "framework-cuda-differs-from-image")->fatal);
}

// A root filesystem on disk, read back.
class ImageFilesTest : public ::testing::Test {
 protected:
  fs::path root = fs::temp_directory_path() / ("gpucert-image-files-" + std::to_string(getpid())) / "rootfs";
  void SetUp() override { fs::create_directories(root); }
  void TearDown() override { fs::remove_all(root.parent_path()); }
  void write(const std::string& path, const std::string& text = "x") {
    fs::create_directories((root / path.substr(1)).parent_path());
    std::ofstream(root / path.substr(1)) << text;
  }
  void link(const std::string& target, const std::string& path) {
    fs::create_directories((root / path.substr(1)).parent_path());
    fs::create_symlink(target, root / path.substr(1));
  }
};

TEST_F(ImageFilesTest, LoaderPathLibrariesAndFrameworks) {
  write("/etc/debian_version", "12.0\n");
  write("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
  write("/etc/ld.so.conf.d/000_cuda.conf", "/usr/local/cuda/targets/x86_64-linux/lib\n# comment\n");
  write("/etc/ld.so.conf.d/zz_stubs.conf", "/usr/local/cuda/lib64/stubs\n");
  link("/usr/local/cuda-13.0", "/usr/local/cuda");
  link("targets/x86_64-linux/lib", "/usr/local/cuda-13.0/lib64");
  write("/usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13.0.96");
  link("libcudart.so.13.0.96", "/usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13");
  write("/usr/local/cuda-13.0/targets/x86_64-linux/lib/stubs/libcuda.so");
  link("libcuda.so", "/usr/local/cuda-13.0/targets/x86_64-linux/lib/stubs/libcuda.so.1");
  write("/usr/lib/x86_64-linux-gnu/libcuda.so.535.183.01");
  link("libcuda.so.535.183.01", "/usr/lib/x86_64-linux-gnu/libcuda.so.1");
  write("/usr/local/cuda-13.0/compat/libcuda.so.580.65.06");
  write("/usr/local/lib/python3.12/dist-packages/torch/version.py",
        "from typing import Optional\n__version__ = '2.5.1+cu124'\ndebug = False\ncuda: Optional[str] = '12.4'\n");
  write("/opt/conda/conda-meta/cuda-version-12.4-h3060b56_3.json", "{}");

  const auto files =
      runtime::read_image_files(root.string(), {{"LD_LIBRARY_PATH", "/usr/local/nvidia/lib64:relative"}});
  EXPECT_TRUE(files.debian_family);
  EXPECT_EQ(files.ld_library_path, std::vector<std::string>{"/usr/local/nvidia/lib64"});
  ASSERT_GE(files.loader_dirs.size(), 4u);
  EXPECT_EQ(files.loader_dirs[1], "/usr/local/cuda/targets/x86_64-linux/lib");
  EXPECT_EQ(files.loader_dirs[2], "/usr/local/cuda/lib64/stubs");
  bool stub_soname = false, copy = false;
  for (const auto& l : files.libcuda) {
    if (l.path == "/usr/local/cuda/lib64/stubs/libcuda.so.1")
      stub_soname = l.target.find("/stubs/libcuda.so") != std::string::npos;
    if (l.path == "/usr/lib/x86_64-linux-gnu/libcuda.so.1")
      copy = l.target == "/usr/lib/x86_64-linux-gnu/libcuda.so.535.183.01";
  }
  EXPECT_TRUE(stub_soname);
  EXPECT_TRUE(copy);
  EXPECT_EQ(files.compat_libcuda, std::vector<std::string>{"/usr/local/cuda/compat/libcuda.so.580.65.06"});
  ASSERT_FALSE(files.cuda_libraries.empty());
  EXPECT_EQ(files.cuda_libraries[0].library, "cudart");
  EXPECT_EQ(files.cuda_libraries[0].major, 13);
  ASSERT_EQ(files.frameworks.size(), 2u);
  EXPECT_EQ(files.frameworks[0].name, "torch");
  EXPECT_EQ(files.frameworks[0].version, "2.5.1+cu124");
  EXPECT_EQ(files.frameworks[0].cuda, "12.4");
  EXPECT_EQ(files.frameworks[1].name, "conda cuda-version");
  EXPECT_EQ(files.frameworks[1].cuda, "12.4");

  // All of it, judged: the stub named libcuda.so.1 on ld.so.conf and the baked copy are fatal.
  ImageFacts facts;
  facts.env = {{"CUDA_VERSION", "13.0.1"}, {"NVIDIA_REQUIRE_CUDA", "cuda>=13.0"}, {"NVIDIA_VISIBLE_DEVICES", "all"}};
  const auto findings = diagnose_image(facts, files, {"amd64", {"580.95.05", "13.0"}, {"0"}});
  EXPECT_NE(find(findings, "libcuda-stub-on-loader-path"), nullptr);
  EXPECT_NE(find(findings, "libcuda-in-image"), nullptr);
  EXPECT_NE(find(findings, "framework-cuda-differs-from-image"), nullptr);
  EXPECT_TRUE(has_fatal(findings));
}

TEST_F(ImageFilesTest, SymlinksNeverLeaveTheRoot) {
  link("/etc", "/escape");  // absolute: resolved against the root, not the host's /etc
  EXPECT_EQ(runtime::resolve_in_root(root.string(), "/escape/passwd"), (root / "etc/passwd").string());
  link("../../../../../../..", "/up");
  EXPECT_EQ(runtime::resolve_in_root(root.string(), "/up/etc"), (root / "etc").string());
}

}  // namespace
}  // namespace gpucert

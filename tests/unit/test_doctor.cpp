// The doctor: each cause of "CUDA is not available" is a rule over plain probe facts, so each is checked here
// by building the facts by hand, and the fix must name the command that fixes it.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/doctor.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

// A host or container where everything is in place: driver library loaded, device nodes present, one H100.
ProbeReport healthy() {
  ProbeReport r;
  r.hostname = "gpu-node-1";
  r.cuda_build_version = 13000;
  r.driver_version = 13000;
  r.driver_release = "580.95.05";
  r.runtime_version = 13000;
  r.libcuda = {"libcuda.so.1", true, "/usr/lib/x86_64-linux-gnu/libcuda.so.1", ""};
  r.device_nodes = {"/dev/nvidia-uvm", "/dev/nvidia0", "/dev/nvidiactl"};
  DeviceInfo d;
  d.index = 0;
  d.name = "NVIDIA H100 80GB HBM3";
  d.cc_major = 9;
  r.devices.push_back(d);
  return r;
}

// The same place, but CUDA failed: no devices and `code` from cudaGetDeviceCount.
ProbeReport failing(int code, const std::string& name, const std::string& message) {
  auto r = healthy();
  r.devices.clear();
  r.cuda_error = CudaErrorInfo{code, name, message, "cudaGetDeviceCount"};
  return r;
}

ProbeReport insufficient_driver() {
  return failing(35, "cudaErrorInsufficientDriver", "CUDA driver version is insufficient for CUDA runtime version");
}

std::vector<std::string> causes(const std::vector<Diagnosis>& diagnoses) {
  std::vector<std::string> out;
  for (const auto& d : diagnoses) out.push_back(d.cause);
  return out;
}

const Diagnosis* find_cause(const std::vector<Diagnosis>& diagnoses, const std::string& cause) {
  for (const auto& d : diagnoses)
    if (d.cause == cause) return &d;
  return nullptr;
}

// Every diagnosis is complete: a person reads the summary, the reason and the fix.
void expect_complete(const std::vector<Diagnosis>& diagnoses) {
  for (const auto& d : diagnoses) {
    EXPECT_FALSE(d.cause.empty());
    EXPECT_FALSE(d.summary.empty()) << d.cause;
    EXPECT_FALSE(d.explanation.empty()) << d.cause;
    EXPECT_FALSE(d.fix.empty()) << d.cause;
    EXPECT_EQ(d.summary.find('\n'), std::string::npos) << "a summary is one line: " << d.cause;
  }
}

::testing::AssertionResult first_cause_is(const std::vector<Diagnosis>& diagnoses, const std::string& cause) {
  const auto got = causes(diagnoses);
  if (!got.empty() && got.front() == cause) return ::testing::AssertionSuccess();
  std::string list;
  for (const auto& c : got) list += (list.empty() ? "" : ", ") + c;
  return ::testing::AssertionFailure() << "expected first cause " << cause << ", got [" << list << "]";
}

TEST(Doctor, UsableReportHasNoDiagnosis) { EXPECT_TRUE(diagnose(healthy()).empty()); }

TEST(Doctor, UsableReportIgnoresOddEnvironment) {
  // CUDA works: variables that would explain a failure are not a problem on their own.
  auto r = healthy();
  r.environment["NVIDIA_DRIVER_CAPABILITIES"] = "utility";
  r.environment["CUDA_VISIBLE_DEVICES"] = "0";
  EXPECT_TRUE(diagnose(r).empty());
}

TEST(Doctor, LibcudaAbsent) {
  auto r = insufficient_driver();
  r.driver_version = 0;
  r.libcuda = {"libcuda.so.1", false, "", "libcuda.so.1: cannot open shared object file: No such file or directory"};
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"libcuda-missing"});
  EXPECT_HAS(d[0].explanation, "libcuda.so.1: cannot open shared object file");  // the loader's own words
  EXPECT_HAS(d[0].fix, "nvidia-smi");
  EXPECT_HAS(d[0].fix, "docker run --gpus all");
  EXPECT_HAS(d[0].fix, "nvidia.com/gpu=all");
}

TEST(Doctor, LibcudaDependencyMissing) {
  auto r = insufficient_driver();
  r.driver_version = 0;
  r.libcuda = {"libcuda.so.1", false, "", "libdl.so.2: cannot open shared object file: No such file or directory"};
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"libcuda-dependency-missing"});
  EXPECT_HAS(d[0].summary, "libdl.so.2");
  EXPECT_HAS(d[0].explanation, "libdl.so.2: cannot open shared object file");
  EXPECT_HAS(d[0].fix, "libdl.so.2");
  EXPECT_HAS(d[0].fix, "apt-get install libc6");
}

TEST(Doctor, LibcudaPresentButUnloadable) {
  auto r = insufficient_driver();
  r.libcuda = {"libcuda.so.1", false, "", "/usr/lib/x86_64-linux-gnu/libcuda.so.1: file too short"};
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"libcuda-unloadable"});
  EXPECT_HAS(d[0].explanation, "file too short");
}

TEST(Doctor, StubLibcudaPickedUp) {
  auto r = failing(34, "cudaErrorStubLibrary", "CUDA driver is a stub library");
  r.libcuda.path = "/usr/local/cuda/lib64/stubs/libcuda.so.1";
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"libcuda-stub"});
  EXPECT_HAS(d[0].summary, "/usr/local/cuda/lib64/stubs/libcuda.so.1");
  EXPECT_HAS(d[0].fix, "LD_LIBRARY_PATH");
  EXPECT_HAS(d[0].fix, "ldconfig");
}

TEST(Doctor, NoDeviceNodes) {
  // The driver library is there (a container with the library copied in), the nodes are not.
  auto r = failing(100, "cudaErrorNoDevice", "no CUDA-capable device is detected");
  r.device_nodes.clear();
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"no-device-nodes"});
  EXPECT_HAS(d[0].fix, "modprobe nvidia");
  EXPECT_HAS(d[0].fix, "--gpus all");
}

TEST(Doctor, UvmNodeAloneIsNoDeviceNode) {
  // /dev/nvidia-uvm without /dev/nvidiactl or /dev/nvidiaN reaches no GPU.
  auto r = failing(100, "cudaErrorNoDevice", "no CUDA-capable device is detected");
  r.device_nodes = {"/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-caps"};
  EXPECT_NE(find_cause(diagnose(r), "no-device-nodes"), nullptr);
}

TEST(Doctor, DriverTooOld) {
  auto r = insufficient_driver();
  r.driver_version = 12040;
  r.driver_release = "550.54.15";
  r.runtime_version = 13000;
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"driver-too-old"});
  EXPECT_HAS(d[0].summary, "CUDA 12.4");
  EXPECT_HAS(d[0].summary, "13.0");
  EXPECT_HAS(d[0].explanation, "580");
  EXPECT_HAS(d[0].fix, "580");
  EXPECT_HAS(d[0].fix, "cuda-compat-13-0");
}

TEST(Doctor, DriverTooOldForCuda12Names525) {
  auto r = insufficient_driver();
  r.driver_version = 11080;
  r.runtime_version = 12090;
  const auto d = diagnose(r);
  ASSERT_TRUE(first_cause_is(d, "driver-too-old"));
  EXPECT_HAS(d[0].fix, "525.60.13");
  EXPECT_HAS(d[0].fix, "cuda-compat-12-9");
}

TEST(Doctor, InsufficientDriverWithoutLibcudaIsNotBlamedOnTheDriverVersion) {
  // Error 35 with a driver version of 0 is what cudart says when libcuda is missing: the cause is the
  // missing library, not an old driver.
  auto r = insufficient_driver();
  r.driver_version = 0;
  r.libcuda = {"libcuda.so.1", false, "", "libcuda.so.1: cannot open shared object file: No such file or directory"};
  EXPECT_EQ(find_cause(diagnose(r), "driver-too-old"), nullptr);
}

TEST(Doctor, NvidiaVisibleDevicesVoid) {
  for (const std::string value : {"void", "none", ""}) {
    SCOPED_TRACE("NVIDIA_VISIBLE_DEVICES='" + value + "'");
    // What the container then looks like: no driver library and no device nodes.
    auto r = insufficient_driver();
    r.driver_version = 0;
    r.libcuda = {"libcuda.so.1", false, "", "libcuda.so.1: cannot open shared object file: No such file or directory"};
    r.device_nodes.clear();
    r.environment["NVIDIA_VISIBLE_DEVICES"] = value;
    const auto d = diagnose(r);
    expect_complete(d);
    ASSERT_TRUE(first_cause_is(d, "nvidia-visible-devices-void"));
    EXPECT_HAS(d[0].summary, "'" + value + "'");
    EXPECT_HAS(d[0].fix, "NVIDIA_VISIBLE_DEVICES=all");
  }
}

TEST(Doctor, NvidiaVisibleDevicesListIsNotVoid) {
  auto r = insufficient_driver();
  r.environment["NVIDIA_VISIBLE_DEVICES"] = "all";
  EXPECT_EQ(find_cause(diagnose(r), "nvidia-visible-devices-void"), nullptr);
}

TEST(Doctor, DriverCapabilitiesWithoutCompute) {
  auto r = insufficient_driver();
  r.driver_version = 0;
  r.libcuda = {"libcuda.so.1", false, "", "libcuda.so.1: cannot open shared object file: No such file or directory"};
  r.environment["NVIDIA_DRIVER_CAPABILITIES"] = "utility";
  const auto d = diagnose(r);
  expect_complete(d);
  ASSERT_TRUE(first_cause_is(d, "driver-capabilities-without-compute"));
  EXPECT_HAS(d[0].summary, "'utility'");
  EXPECT_HAS(d[0].fix, "NVIDIA_DRIVER_CAPABILITIES=compute,utility");
}

TEST(Doctor, DriverCapabilitiesWithComputeOrAllAreFine) {
  for (const std::string value : {"compute,utility", "all", "utility,compute"}) {
    SCOPED_TRACE(value);
    auto r = insufficient_driver();
    r.environment["NVIDIA_DRIVER_CAPABILITIES"] = value;
    EXPECT_EQ(find_cause(diagnose(r), "driver-capabilities-without-compute"), nullptr);
  }
}

TEST(Doctor, CudaVisibleDevicesHidesAll) {
  auto r = failing(100, "cudaErrorNoDevice", "no CUDA-capable device is detected");
  r.environment["CUDA_VISIBLE_DEVICES"] = "";
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"cuda-visible-devices-hides-all"});
  EXPECT_HAS(d[0].summary, "CUDA_VISIBLE_DEVICES=''");
  EXPECT_HAS(d[0].fix, "unset CUDA_VISIBLE_DEVICES");
  EXPECT_HAS(d[0].fix, "nvidia-smi -L");
}

TEST(Doctor, CudaVisibleDevicesIsNotBlamedWithoutDeviceNodes) {
  auto r = failing(100, "cudaErrorNoDevice", "no CUDA-capable device is detected");
  r.environment["CUDA_VISIBLE_DEVICES"] = "0";
  r.device_nodes.clear();
  const auto d = diagnose(r);
  EXPECT_EQ(find_cause(d, "cuda-visible-devices-hides-all"), nullptr);
  EXPECT_NE(find_cause(d, "no-device-nodes"), nullptr);
}

TEST(Doctor, UnknownCudaErrorGivesGenericCause) {
  auto r = failing(999, "cudaErrorUnknown", "unknown error");
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"cuda-error"});
  EXPECT_HAS(d[0].summary, "cudaGetDeviceCount");
  EXPECT_HAS(d[0].summary, "cudaErrorUnknown (999)");
  EXPECT_EQ(d[0].explanation, "unknown error");
  EXPECT_HAS(d[0].fix, "nvidia-smi");
  EXPECT_HAS(d[0].fix, "dmesg");
}

TEST(Doctor, NoErrorButNoDevice) {
  auto r = healthy();
  r.devices.clear();
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"no-device"});
  EXPECT_HAS(d[0].fix, "nvidia-smi -L");
}

// Exactly what `gpucert-worker` answers to {"op":"probe"} on this project's CPU build machine (Debian 12, CUDA
// 13.0 runtime, no NVIDIA driver, no /dev/nvidia*), hostname and plugin paths aside.
constexpr const char* kProbeWithoutDriver = R"json({
  "cuda_build_version": 13000,
  "cuda_error": {"call": "cudaGetDeviceCount", "code": 35,
                 "message": "CUDA driver version is insufficient for CUDA runtime version",
                 "name": "cudaErrorInsufficientDriver"},
  "device_nodes": [], "devices": [], "driver_release": "", "driver_version": 0, "environment": {},
  "hostname": "vm",
  "libcuda": {"error": "libcuda.so.1: cannot open shared object file: No such file or directory",
              "loaded": false, "name": "libcuda.so.1", "path": ""},
  "ok": true, "op": "probe", "runtime_version": 13000, "worker_version": "0.1.0",
  "workloads": [
    {"available": true, "backend": "worker", "evidence": "built into gpucert-worker", "name": "stream"},
    {"available": true, "backend": "worker", "evidence": "built into gpucert-worker", "name": "host_copy"},
    {"available": false, "backend": "libgpucert-gemm.so",
     "evidence": "bin/libgpucert-gemm.so: not installed (gpucert was built without this plugin's library)",
     "name": "gemm"}]
})json";

TEST(Doctor, MachineWithoutDriverAsThisBuildMachineReportsIt) {
  auto report = probe_report_from_json(nlohmann::json::parse(kProbeWithoutDriver));
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_FALSE(report->cuda_usable());
  const auto d = diagnose(*report);
  expect_complete(d);
  // The missing library is the most likely cause, and it comes first; the missing nodes are listed too.
  EXPECT_EQ(causes(d), (std::vector<std::string>{"libcuda-missing", "no-device-nodes"}));
  // Error 35 here is not an old driver: there is no driver at all.
  EXPECT_EQ(find_cause(d, "driver-too-old"), nullptr);
}

TEST(Doctor, StubRecognisedByItsErrorWhereverItLies) {
  // The stub copied into a plain folder as libcuda.so.1: the path says nothing, cudaErrorStubLibrary does.
  auto r = failing(34, "cudaErrorStubLibrary", "CUDA driver is a stub library");
  r.libcuda.path = "/opt/app/lib/libcuda.so.1";
  r.environment["LD_LIBRARY_PATH"] = "/opt/app/lib";
  const auto d = diagnose(r);
  expect_complete(d);
  ASSERT_TRUE(first_cause_is(d, "libcuda-stub"));
  EXPECT_HAS(d[0].summary, "/opt/app/lib/libcuda.so.1");
  EXPECT_HAS(d[0].explanation, "LD_LIBRARY_PATH=/opt/app/lib");
  EXPECT_HAS(d[0].explanation, "(34)");
}

TEST(Doctor, LibcudaDependencyMissingInABrokenRootFilesystemWhileTheHostDriverWorks) {
  // The deliberately broken bundle: the host's libcuda.so.1 bound in, the root filesystem without libdl.so.2.
  auto r = insufficient_driver();
  r.driver_version = 0;
  r.driver_release = "580.95.05";
  r.libcuda = {"libcuda.so.1", false, "", "libdl.so.2: cannot open shared object file: No such file or directory"};
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"libcuda-dependency-missing"});
  EXPECT_HAS(d[0].explanation, "580.95.05");
  EXPECT_HAS(d[0].explanation, "error 35");
  EXPECT_HAS(d[0].explanation, "libpthread.so.0");
  EXPECT_HAS(d[0].fix, "ldd libcuda.so.1");
  EXPECT_EQ(find_cause(d, "driver-too-old"), nullptr);
}

TEST(Doctor, LibcudaDependencyOutsideTheCLibrary) {
  auto r = insufficient_driver();
  r.driver_version = 0;
  r.libcuda = {"libcuda.so.1", false, "",
               "libgpucert_absent.so: cannot open shared object file: No such file or directory"};
  const auto d = diagnose(r);
  expect_complete(d);
  ASSERT_TRUE(first_cause_is(d, "libcuda-dependency-missing"));
  EXPECT_HAS(d[0].summary, "libgpucert_absent.so");
  EXPECT_HAS(d[0].fix, "apt-file search libgpucert_absent.so");
  EXPECT_EQ(d[0].fix.find("libc6"), std::string::npos);
}

PythonTorchProbe torch_probe(const std::string& version, const std::string& cuda, bool available) {
  PythonTorchProbe t;
  t.python = "/usr/bin/python3";
  t.torch_version = version;
  t.torch_cuda = cuda;
  t.is_available = available;
  t.device_count = available ? 1 : 0;
  return t;
}

TEST(Doctor, HealthyTorchAddsNothing) {
  auto r = healthy();
  r.environment["CUDA_VERSION"] = "13.0.1";
  r.python_torch = torch_probe("2.9.0+cu130", "13.0", true);
  EXPECT_TRUE(diagnose(r).empty());
  r.python_torch = PythonTorchProbe{"/usr/bin/python3", "", "", false, 0, "", {}};  // python, no torch
  EXPECT_TRUE(diagnose(r).empty());
}

TEST(Doctor, TorchBuiltForAnotherCudaMajorThanTheImage) {
  auto r = healthy();
  r.environment["CUDA_VERSION"] = "13.0";
  r.python_torch = torch_probe("2.3.0+cu121", "12.1", true);
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"torch-cuda-differs-from-image"});
  EXPECT_HAS(d[0].summary, "CUDA 12.1");
  EXPECT_HAS(d[0].summary, "CUDA 13.0");
  EXPECT_HAS(d[0].fix, "https://download.pytorch.org/whl/cu130");
  EXPECT_FALSE(framework_cannot_use_gpu(d));  // it works, it is just not this image's CUDA
  // Another minor of the same major is what minor-version compatibility is for: no cause.
  r.environment["CUDA_VERSION"] = "12.9.1";
  EXPECT_TRUE(diagnose(r).empty());
}

TEST(Doctor, TorchDifferingFromTheImageIsNamedEvenWhenCudaIsNotUsable) {
  auto r = insufficient_driver();
  r.driver_version = 0;
  r.libcuda = {"libcuda.so.1", false, "", "libcuda.so.1: cannot open shared object file: No such file or directory"};
  r.device_nodes.clear();
  r.environment["CUDA_VERSION"] = "13.0";
  r.python_torch = torch_probe("2.3.0+cu121", "12.1", false);
  const auto d = diagnose(r);
  ASSERT_TRUE(first_cause_is(d, "libcuda-missing"));
  EXPECT_NE(find_cause(d, "torch-cuda-differs-from-image"), nullptr);
  // The GPU is not visible to anyone: torch's False is explained by the CUDA causes, not blamed on torch.
  EXPECT_EQ(find_cause(d, "torch-cuda-unavailable"), nullptr);
}

TEST(Doctor, TorchNewerMajorThanTheDriver) {
  auto r = healthy();
  r.driver_version = 12040;
  r.driver_release = "550.54.15";
  r.python_torch = torch_probe("2.9.0+cu130", "13.0", false);
  r.python_torch->warnings = {
      "CUDA initialization: The NVIDIA driver on your system is too old (found version 12040)."};
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"torch-cuda-newer-than-driver"});
  EXPECT_HAS(d[0].summary, "CUDA 13.0");
  EXPECT_HAS(d[0].summary, "CUDA 12.4");
  EXPECT_HAS(d[0].explanation, "550.54.15");
  EXPECT_HAS(d[0].explanation, "found version 12040");  // torch's own words travel with the cause
  EXPECT_HAS(d[0].fix, "https://download.pytorch.org/whl/cu124");
  EXPECT_HAS(d[0].fix, "580");
  EXPECT_TRUE(framework_cannot_use_gpu(d));
}

TEST(Doctor, TorchNewerMinorThanTheDriverIsFineWhileItWorks) {
  // Minor-version compatibility: a 12.8 build on a 12.4 driver runs; only a failure makes it a cause.
  auto r = healthy();
  r.driver_version = 12040;
  r.python_torch = torch_probe("2.7.0+cu128", "12.8", true);
  EXPECT_TRUE(diagnose(r).empty());
  r.python_torch->is_available = false;
  const auto d = diagnose(r);
  ASSERT_TRUE(first_cause_is(d, "torch-cuda-newer-than-driver"));
  EXPECT_EQ(find_cause(d, "torch-cuda-unavailable"), nullptr);  // explained already
}

TEST(Doctor, TorchCannotUseTheGpuTheWorkerSees) {
  auto r = healthy();
  r.python_torch = torch_probe("2.9.0+cu130", "13.0", false);
  r.python_torch->warnings = {"CUDA initialization: Unexpected error from cudaGetDeviceCount()."};
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"torch-cuda-unavailable"});
  EXPECT_HAS(d[0].summary, "1 GPU(s)");
  EXPECT_HAS(d[0].explanation, "LD_LIBRARY_PATH");
  EXPECT_HAS(d[0].explanation, "Unexpected error from cudaGetDeviceCount");
  EXPECT_HAS(d[0].fix, "torch.cuda.init()");
  EXPECT_HAS(d[0].fix, "get_arch_list");
  EXPECT_TRUE(framework_cannot_use_gpu(d));
}

TEST(Doctor, TorchCpuOnlyBuild) {
  auto r = healthy();
  r.environment["CUDA_VERSION"] = "12.9.1";
  r.python_torch = torch_probe("2.9.0+cpu", "", false);
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"torch-cpu-only"});
  EXPECT_HAS(d[0].fix, "https://download.pytorch.org/whl/cu129");
  EXPECT_TRUE(framework_cannot_use_gpu(d));
}

TEST(Doctor, TorchImportFailed) {
  auto r = healthy();
  r.python_torch =
      PythonTorchProbe{"/usr/bin/python3",
                       "",
                       "",
                       false,
                       0,
                       "ImportError: libcudnn.so.9: cannot open shared object file: No such file or directory",
                       {}};
  const auto d = diagnose(r);
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"torch-import-failed"});
  EXPECT_HAS(d[0].summary, "libcudnn.so.9");
  EXPECT_HAS(d[0].fix, "pip install --force-reinstall torch");
  EXPECT_TRUE(framework_cannot_use_gpu(d));
}

TEST(Doctor, PythonTorchFactsRoundTripAndStayOptional) {
  auto r = healthy();
  r.python_torch = torch_probe("2.3.0+cu121", "12.1", false);
  r.python_torch->warnings = {"w1"};
  auto back = probe_report_from_json(to_json(r));
  ASSERT_TRUE(back.ok());
  ASSERT_TRUE(back->python_torch.has_value());
  EXPECT_EQ(back->python_torch->torch_version, "2.3.0+cu121");
  EXPECT_EQ(back->python_torch->torch_cuda, "12.1");
  EXPECT_FALSE(back->python_torch->is_available);
  EXPECT_EQ(back->python_torch->warnings, std::vector<std::string>{"w1"});
  // A report of a worker that never asked (older worker, or GPUCERT_PROBE_PYTHON=0) has no such fact.
  auto old = probe_report_from_json(nlohmann::json::parse(kProbeWithoutDriver));
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->python_torch.has_value());
  EXPECT_FALSE(to_json(*old).contains("python_torch"));
}

TEST(Doctor, ParseCudaVersion) {
  EXPECT_EQ(parse_cuda_version("12.1"), 12010);
  EXPECT_EQ(parse_cuda_version("13.0.1"), 13000);
  EXPECT_EQ(parse_cuda_version("12.9"), 12090);
  EXPECT_EQ(parse_cuda_version("13"), 13000);
  EXPECT_EQ(parse_cuda_version(""), 0);
  EXPECT_EQ(parse_cuda_version("none"), 0);
  EXPECT_EQ(parse_cuda_version("12.x"), 0);
}

TEST(Doctor, WorkerCannotStartForAMissingCLibrary) {
  const auto d = diagnose_start_failure(
      "worker exited with status 127 before answering; its last words: /opt/gpucert/bin/gpucert-worker: error while "
      "loading shared libraries: libdl.so.2: cannot open shared object file: No such file or directory\n");
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"worker-library-missing"});
  EXPECT_HAS(d[0].summary, "the image lacks libdl.so.2");
  EXPECT_HAS(d[0].explanation, "libcuda.so.1");
  EXPECT_HAS(d[0].fix, "apt-get install libc6");
}

TEST(Doctor, WorkerCannotStartForAnotherLibrary) {
  const auto d = diagnose_start_failure(
      "gpucert-worker: error while loading shared libraries: libcudart.so.13: cannot open shared object file: No such "
      "file or directory");
  ASSERT_TRUE(first_cause_is(d, "worker-library-missing"));
  EXPECT_HAS(d[0].summary, "libcudart.so.13");
  EXPECT_HAS(d[0].fix, "apt-file search libcudart.so.13");
}

TEST(Doctor, WorkerDidNotStartForAnUnknownReason) {
  const auto d = diagnose_start_failure("cannot start runc: No such file or directory");
  expect_complete(d);
  EXPECT_EQ(causes(d), std::vector<std::string>{"worker-did-not-start"});
  EXPECT_HAS(d[0].summary, "cannot start runc");
}

}  // namespace
}  // namespace gpucert

// The container checks of conformance (flavor_checks.hpp), each built from plain facts without a GPU:
// library-inventory, gpu-visible and driver-runtime-alignment inside containers, performance-parity,
// devel-compiles, image-hygiene, and their place in conformance_checks().
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/conformance.hpp"
#include "core/flavor_checks.hpp"
#include "flavor_fixtures.hpp"
#include "report_fixtures.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

using namespace fixtures;
using namespace flavor_fixtures;

Check only(const std::vector<Check>& checks) {
  EXPECT_EQ(checks.size(), 1u);
  return checks.empty() ? Check{} : checks.at(0);
}

RunRecord run_with(std::vector<EnvironmentRecord> environments) {
  auto run = healthy_run();
  run.environments = std::move(environments);
  return run;
}

LibraryProbe& library(EnvironmentRecord& e, const std::string& name) {
  for (auto& l : e.ranks[0].probe.libraries)
    if (l.library == name) return l;
  throw std::runtime_error("no library " + name);
}

// ---- library-inventory ------------------------------------------------------------------------------------

TEST(LibraryInventory, PassesWithEveryLibraryItsPathAndVersion) {
  const auto c = only(library_inventory_checks(run_with({environment("runtime")}), catalog()));
  EXPECT_EQ(c.name, "library-inventory");
  EXPECT_EQ(c.environment, "runtime");
  EXPECT_EQ(c.subject, "rank 0");
  EXPECT_EQ(c.rank, 0);
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_HAS(c.evidence, "flavour runtime (runtime < base), CUDA 13");
  EXPECT_HAS(c.evidence, "cublas 13.1.0 (/usr/local/cuda/lib64/libcublas.so.13)");
  EXPECT_HAS(c.evidence, "nccl 2.28.9 (/usr/local/cuda/lib64/libnccl.so.2)");
  EXPECT_HAS(c.evidence, "absent as required: cudnn");
  EXPECT_HAS(c.evidence, "cudart 13.0 matches CUDA_VERSION=13.0.2");
  EXPECT_TRUE(c.diagnosis.empty());
  EXPECT_TRUE(c.fix.empty());
}

// A CUDA 11.8 runtime-cudnn image: the worker of 11 probes 11's sonames (cuDNN 8, no cudnn_graph), and the
// check holds it to them, naming what CUDA 11 lacks rather than failing on it.
EnvironmentRecord cuda11_cudnn_environment() {
  auto e = environment("runtime-cudnn");
  auto& probe = e.ranks[0].probe;
  probe.environment["CUDA_VERSION"] = "11.8.0";
  probe.cuda_build_version = 11080;
  probe.runtime_version = 11080;
  probe.libraries.clear();
  const auto flavors = catalog();
  for (const auto& [library, soname] : *flavors.libraries_for(11)) {
    if (library == "cuda_driver") continue;
    LibraryProbe l;
    l.library = library;
    l.name = soname;
    l.loaded = true;
    l.path = "/usr/lib/x86_64-linux-gnu/" + soname;
    l.version = library == "cudart" ? "11.8" : library.rfind("cudnn", 0) == 0 ? "8.9.6" : "11.11.3";
    probe.libraries.push_back(std::move(l));
  }
  e.image_facts->env["CUDA_VERSION"] = "11.8.0";
  e.image_facts->env["NVIDIA_REQUIRE_CUDA"] = "cuda>=11.8 brand=tesla,driver>=450,driver<451";
  e.image_facts->labels["com.nvidia.cudnn.version"] = "8.9.6.50";
  return e;
}

TEST(LibraryInventory, Cuda11RequiresCudnn8AndNamesWhatCuda11Lacks) {
  auto e = cuda11_cudnn_environment();
  auto c = only(library_inventory_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Pass) << c.diagnosis;
  EXPECT_HAS(c.evidence, "flavour runtime-cudnn (runtime-cudnn < runtime < base), CUDA 11");
  EXPECT_HAS(c.evidence, "cudnn_ops_infer 8.9.6 (/usr/lib/x86_64-linux-gnu/libcudnn_ops_infer.so.8)");
  EXPECT_HAS(c.evidence, "not part of CUDA 11, not checked: cudnn_graph");
  EXPECT_HAS(c.evidence, "cudart 11.8 matches CUDA_VERSION=11.8.0");

  auto& ops = library(e, "cudnn_ops_infer");
  ops.loaded = false;
  ops.error = "libcudnn_ops_infer.so.8: cannot open shared object file: No such file or directory";
  c = only(library_inventory_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis,
             "cudnn_ops_infer (libcudnn_ops_infer.so.8) must load in the runtime-cudnn flavour and did not");
  EXPECT_HAS(c.fix, "install libcudnn8 from NVIDIA's CUDA repository");

  // On CUDA 13 the same flavour wants cudnn_graph, and says that cuDNN 8's split is not part of it.
  c = only(library_inventory_checks(run_with({environment("runtime-cudnn")}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Pass) << c.diagnosis;
  EXPECT_HAS(c.evidence, "cudnn_graph 9.19.0");
  EXPECT_HAS(c.evidence, "not part of CUDA 13, not checked: cudnn_ops_infer");
}

TEST(ImageHygiene, Cuda11CudnnLabelIsCudnn8) {
  auto e = cuda11_cudnn_environment();
  auto c = only(image_hygiene_checks(run_with({e}), catalog(), "amd64"));
  EXPECT_NE(c.verdict, Verdict::Fail) << c.diagnosis;
  e.image_facts->labels["com.nvidia.cudnn.version"] = "9.19.0";
  c = only(image_hygiene_checks(run_with({e}), catalog(), "amd64"));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis, "com.nvidia.cudnn.version=9.19.0 (expected 8.*)");
}

TEST(LibraryInventory, BasePassesWithOnlyCudart) {
  const auto c = only(library_inventory_checks(run_with({environment("base")}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_HAS(c.evidence, "loaded: cudart 13.0");
  EXPECT_HAS(c.evidence, "absent as required: cublas, cublasLt, nccl, cudnn");
}

TEST(LibraryInventory, AMissingLibraryFailsWithTheLoadersMessage) {
  auto e = environment("runtime");
  auto& nccl = library(e, "nccl");
  nccl.loaded = false;
  nccl.path.clear();
  nccl.version.clear();
  nccl.error = "libnccl.so.2: cannot open shared object file: No such file or directory";
  const auto c = only(library_inventory_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis,
             "nccl (libnccl.so.2) must load in the runtime flavour and did not: libnccl.so.2: cannot open "
             "shared object file: No such file or directory");
  EXPECT_HAS(c.fix, "build the image from images/ as the runtime flavour, or install libnccl2");
}

TEST(LibraryInventory, AMissingDependencyIsNamedFromTheLoadersMessage) {
  auto e = environment("runtime");
  auto& cublas = library(e, "cublas");
  cublas.loaded = false;
  cublas.path.clear();
  cublas.version.clear();
  cublas.error = "libcublasLt.so.13: cannot open shared object file: No such file or directory";
  const auto c = only(library_inventory_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis, "libcublas.so.13 is there, but libcublasLt.so.13, a library it needs, is missing");
  EXPECT_HAS(c.fix, "install libcublas-13-0 from NVIDIA's CUDA repository in it (it brings libcublasLt.so.13)");
}

TEST(LibraryInventory, AForbiddenLibraryFailsNamingItsFileAndTheFlavourThatMayHoldIt) {
  auto e = environment("runtime");
  auto& cudnn = library(e, "cudnn");
  cudnn.loaded = true;
  cudnn.error.clear();
  cudnn.path = "/usr/lib/x86_64-linux-gnu/libcudnn.so.9";
  cudnn.version = "9.19.0";
  const auto c = only(library_inventory_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis,
             "cudnn must be absent from the runtime flavour, but libcudnn.so.9 9.19.0 loaded from "
             "/usr/lib/x86_64-linux-gnu/libcudnn.so.9");
  EXPECT_HAS(c.fix, "images that need cudnn belong to the runtime-cudnn flavour");
  EXPECT_HAS(c.fix, "apt-get purge libcudnn9-cuda-13");
}

TEST(LibraryInventory, DevelMustCarryItsTools) {
  auto e = environment("devel");
  e.ranks[0].probe.tools = {{"nvcc", false, ""}, {"cuda_runtime.h", true, "/usr/local/cuda/include/cuda_runtime.h"}};
  const auto c = only(library_inventory_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "tools: cuda_runtime.h at /usr/local/cuda/include/cuda_runtime.h");
  EXPECT_HAS(c.diagnosis,
             "the devel flavour must carry nvcc, and the probe found no nvcc on PATH nor in "
             "/usr/local/cuda/bin");
  EXPECT_HAS(c.fix, "cuda-toolkit-13-0");

  const auto healthy = only(library_inventory_checks(run_with({environment("devel")}), catalog()));
  EXPECT_EQ(healthy.verdict, Verdict::Pass);
  EXPECT_HAS(healthy.evidence, "tools: nvcc at /usr/local/cuda/bin/nvcc");
}

TEST(LibraryInventory, CudartMustMatchTheDeclaredCudaVersion) {
  auto e = environment("base");
  e.ranks[0].probe.environment["CUDA_VERSION"] = "12.9.1";
  const auto c = only(library_inventory_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis, "the image declares CUDA_VERSION=12.9.1 but its cudart is 13.0");
  EXPECT_HAS(c.fix, "rebuild the image from a CUDA 12.9 base, or correct its CUDA_VERSION");

  e.ranks[0].probe.environment.erase("CUDA_VERSION");
  const auto undeclared = only(library_inventory_checks(run_with({e}), catalog()));
  EXPECT_EQ(undeclared.verdict, Verdict::Pass);
  EXPECT_HAS(undeclared.evidence, "the image declares no CUDA_VERSION, so cudart's version is not compared");
}

TEST(LibraryInventory, WaivedWhereItCannotBeJudged) {
  auto unknown = environment("runtime");
  unknown.flavor = "gpu-party";
  auto c = only(library_inventory_checks(run_with({unknown}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_HAS(c.evidence,
             "the flavour 'gpu-party' is not in the flavour catalogue test-flavors.json (it has base, "
             "devel, runtime, runtime-cudnn)");

  auto old_worker = environment("runtime");
  old_worker.ranks[0].probe.libraries.clear();
  c = only(library_inventory_checks(run_with({old_worker}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_HAS(c.evidence, "reports no library inventory");

  auto silent = environment("runtime");
  silent.ranks[0].probe = ProbeReport{};
  silent.ranks[0].problem = "the worker did not answer the probe within 120 s";
  c = only(library_inventory_checks(run_with({silent}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_HAS(c.evidence, "did not answer the probe (the worker did not answer the probe within 120 s)");

  auto no_flavor = environment("runtime");
  no_flavor.flavor.clear();
  EXPECT_TRUE(library_inventory_checks(run_with({no_flavor}), catalog()).empty());
  EXPECT_TRUE(library_inventory_checks(healthy_run(), catalog()).empty());
}

TEST(LibraryInventory, OneCheckPerRankOfEachEnvironment) {
  auto e = environment("runtime");
  auto second = e.ranks[0];
  second.placement.rank = 1;
  e.ranks.push_back(second);
  const auto checks = library_inventory_checks(run_with({environment("base"), e}), catalog());
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].environment, "base");
  EXPECT_EQ(checks[2].environment, "runtime");
  EXPECT_EQ(checks[2].subject, "rank 1");
}

// ---- gpu-visible and driver-runtime-alignment inside containers -------------------------------------------

TEST(ContainerGpuChecks, GpuVisibleAndAlignmentCoverEachContainerEnvironment) {
  auto broken = environment("base");
  broken.ranks = {unusable_rank(0, "node-a")};
  const auto run = run_with({environment("runtime"), broken});
  const auto visible = gpu_visible_checks(run);
  ASSERT_EQ(visible.size(), 3u);
  EXPECT_EQ(visible[0].environment, "native");
  EXPECT_EQ(visible[1].environment, "runtime");
  EXPECT_EQ(visible[1].verdict, Verdict::Pass);
  EXPECT_HAS(visible[1].evidence, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(visible[2].environment, "base");
  EXPECT_EQ(visible[2].verdict, Verdict::Fail);
  EXPECT_HAS(visible[2].diagnosis, "[libcuda-missing]");

  const auto alignment = driver_runtime_alignment_checks(run);
  ASSERT_EQ(alignment.size(), 3u);
  EXPECT_EQ(alignment[1].environment, "runtime");
  EXPECT_EQ(alignment[1].verdict, Verdict::Pass);
  EXPECT_EQ(alignment[2].environment, "base");
  EXPECT_EQ(alignment[2].verdict, Verdict::Waived);
}

TEST(ContainerGpuChecks, AnImageNewerThanTheDriverFailsAlignmentInItsEnvironment) {
  auto e = environment("runtime");
  e.ranks[0].probe.driver_version = 12090;
  e.ranks[0].probe.driver_release = "575.57.08";
  e.ranks[0].probe.runtime_version = 13000;
  const auto checks = driver_runtime_alignment_checks(run_with({e}));
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[1].environment, "runtime");
  EXPECT_EQ(checks[1].verdict, Verdict::Fail);
  EXPECT_HAS(checks[1].diagnosis, "the driver supports CUDA 12.9, older than the CUDA 13.0 runtime");
}

// ---- performance-parity -----------------------------------------------------------------------------------

ResultRecord in_environment(ResultRecord r, const std::string& environment) {
  r.environment = environment;
  return r;
}

// Native and container results of two stream kernels; the container's times are `slowdown` times native's.
RunRecord parity_run(double slowdown) {
  auto run = healthy_run();
  run.environments = {environment("runtime")};
  const auto at = placement(0, "node-a");
  run.results.push_back(in_environment(stream_result("copy", "fp64", 1.43e-3 * slowdown, at), "runtime"));
  run.results.push_back(in_environment(stream_result("triad", "fp64", 2.12e-3 * slowdown, at), "runtime"));
  return run;
}

TEST(PerformanceParity, PassesWithTheRatioAndItsInterval) {
  const auto c = only(performance_parity_checks(parity_run(1.0)));
  EXPECT_EQ(c.name, "performance-parity");
  EXPECT_EQ(c.environment, "runtime");
  EXPECT_EQ(c.subject, "stream");
  EXPECT_EQ(c.rank, -1);
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_HAS(c.evidence, "container/native ratio 1.000 (bootstrap 95% interval ");
  EXPECT_HAS(c.evidence, "over 2 measurement and rank pair(s); threshold 0.970");
}

TEST(PerformanceParity, FailsOnlyWhenTheWholeIntervalLiesBelowTheThreshold) {
  const auto slow = only(performance_parity_checks(parity_run(1.10)));
  EXPECT_EQ(slow.verdict, Verdict::Fail);
  EXPECT_HAS(slow.evidence, "container/native ratio 0.909");
  EXPECT_HAS(slow.diagnosis,
             "the container runs stream 9.1% slower than native, and the whole 95% interval lies "
             "below 0.970");
  EXPECT_HAS(slow.fix, "nvidia-smi -q -d PERFORMANCE,CLOCK");

  // 2% slower: below 0.99, whose interval (samples spread +-1%) reaches above it; clear of 0.97.
  const auto near = only(performance_parity_checks(parity_run(1.02), 0.99));
  EXPECT_EQ(near.verdict, Verdict::Pass);
  EXPECT_HAS(near.evidence, "the interval reaches below the threshold, so a slowdown is not shown");
  EXPECT_EQ(only(performance_parity_checks(parity_run(1.02))).verdict, Verdict::Pass);
  // The suite's own threshold decides: 0.9 lets a 9% slowdown pass.
  EXPECT_EQ(only(performance_parity_checks(parity_run(1.10), 0.9)).verdict, Verdict::Pass);
}

TEST(PerformanceParity, WaivedWithoutANativeTwinOrAVerifiedContainerResult) {
  auto run = healthy_run();
  run.environments = {environment("runtime")};
  const auto at = placement(0, "node-a");
  run.results.push_back(in_environment(gemm_result("fp64", 50, at), "runtime"));  // native ran fp16 and bf16 only
  run.results.push_back(in_environment(
      unavailable_result("conv", "conv/fp16/n32c64h56w56k64r3s3", "libcudnn.so.9: cannot open shared object file", at),
      "runtime"));
  const auto checks = performance_parity_checks(run);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].subject, "gemm");
  EXPECT_EQ(checks[0].verdict, Verdict::Waived);
  EXPECT_HAS(checks[0].evidence, "no native twin");
  EXPECT_EQ(checks[1].subject, "conv");
  EXPECT_EQ(checks[1].verdict, Verdict::Waived);
  EXPECT_HAS(checks[1].evidence, "none of the 1 conv result(s) in this environment verified with samples");
  EXPECT_TRUE(performance_parity_checks(healthy_run()).empty());
}

// ---- devel-compiles ---------------------------------------------------------------------------------------

TEST(DevelCompiles, PassesWhenTheKernelReturnedTheExpectedValue) {
  auto e = environment("devel");
  e.devel_check = devel_passed();
  const auto c = only(devel_compiles_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.name, "devel-compiles");
  EXPECT_EQ(c.environment, "devel");
  EXPECT_EQ(c.subject, "devel flavour");
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_HAS(c.evidence, "nvcc \"Cuda compilation tools, release 13.0, V13.0.88\" at /usr/local/cuda/bin/nvcc");
  EXPECT_HAS(c.evidence, "its kernel summed to 25188352, as expected");
}

TEST(DevelCompiles, FailsOnAWrongValueEvenWhenEverythingExitedZero) {
  auto e = environment("devel");
  e.devel_check = devel_passed();
  e.devel_check->result = "25188351";
  const auto c = only(devel_compiles_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "its kernel summed to 25188351, expected 25188352");
  EXPECT_HAS(c.diagnosis, "computed a wrong result");
}

TEST(DevelCompiles, ACompilerFailureQuotesNvccAndSaysWhatToInstall) {
  auto e = environment("devel");
  e.devel_check = devel_passed();
  e.devel_check->compile->exit_code = 1;
  e.devel_check->compile->output = "devel_check.cu:3:10: fatal error: cuda_runtime.h: No such file or directory\n";
  e.devel_check->run.reset();
  e.devel_check->result.clear();
  const auto c = only(devel_compiles_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence,
             "exited with 1 compiling a one-kernel program: devel_check.cu:3:10: fatal error: "
             "cuda_runtime.h: No such file or directory");
  EXPECT_HAS(c.diagnosis, "cannot compile a trivial kernel");
  EXPECT_HAS(c.fix, "cuda-cudart-dev-13");

  e.devel_check->compile->output =
      "nvcc fatal   : Failed to preprocess host compiler properties.\nsh: 1: gcc: not found";
  EXPECT_HAS(only(devel_compiles_checks(run_with({e}), catalog())).fix, "install g++");
}

TEST(DevelCompiles, AProgramThatDoesNotRunQuotesItsCudaError) {
  auto e = environment("devel");
  e.devel_check = devel_passed();
  e.devel_check->run->exit_code = 2;
  e.devel_check->run->output =
      "gpucert-devel-check: the kernel launch failed: cudaErrorUnsupportedPtxVersion (the provided PTX was compiled "
      "with an unsupported toolchain.)\n";
  e.devel_check->result.clear();
  const auto c = only(devel_compiles_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence,
             "compiled the program; it exited with 2: gpucert-devel-check: the kernel launch failed: "
             "cudaErrorUnsupportedPtxVersion");
  EXPECT_HAS(c.fix, "the toolkit is newer than the driver supports");
}

TEST(DevelCompiles, FailsWithoutNvccOrWithoutTheWorkersAnswer) {
  auto e = environment("devel");
  DevelCheckReply none;
  none.ok = true;
  none.expected = "25188352";
  none.message = "no nvcc on PATH (/usr/bin:/bin) nor in /usr/local/cuda/bin";
  e.devel_check = none;
  auto c = only(devel_compiles_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_EQ(c.evidence, "no nvcc on PATH (/usr/bin:/bin) nor in /usr/local/cuda/bin");
  EXPECT_HAS(c.fix, "cuda-nvcc-13");

  DevelCheckReply refused;
  refused.message = "protocol: unknown op 'devel_check'";
  e.devel_check = refused;
  c = only(devel_compiles_checks(run_with({e}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.evidence, "the worker did not run the devel check: protocol: unknown op 'devel_check'");
  EXPECT_HAS(c.fix, "gpucert-worker of this gpucert's version");
}

TEST(DevelCompiles, WaivedForFlavoursWithoutACompilerAndWhereItDidNotRun) {
  auto runtime = environment("runtime");
  auto c = only(devel_compiles_checks(run_with({runtime}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_HAS(c.evidence, "the runtime flavour promises no compiler (test-flavors.json): nothing to compile");

  c = only(devel_compiles_checks(run_with({environment("devel")}), catalog()));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_HAS(c.evidence, "the devel check did not run in this environment");

  auto no_flavor = environment("runtime");
  no_flavor.flavor.clear();
  EXPECT_TRUE(devel_compiles_checks(run_with({no_flavor}), catalog()).empty());
}

// ---- image-hygiene ----------------------------------------------------------------------------------------

TEST(ImageHygiene, PassesWithTheFactsAsEvidence) {
  const auto c = only(image_hygiene_checks(run_with({environment("runtime")}), catalog(), "amd64"));
  EXPECT_EQ(c.name, "image-hygiene");
  EXPECT_EQ(c.environment, "runtime");
  EXPECT_EQ(c.subject, "localhost/gpucert/cuda:13.0.2-runtime-ubuntu24.04");
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_HAS(c.evidence, "reference pinned");
  EXPECT_HAS(c.evidence,
             "CUDA_VERSION=13.0.2, NVIDIA_DRIVER_CAPABILITIES=compute,utility, NVIDIA_REQUIRE_CUDA=cuda>=13.0");
  EXPECT_HAS(c.evidence, "size 3.00 GB within the runtime budget of 4.00 GB");
  EXPECT_HAS(c.evidence, "linux/amd64 like the host");
  EXPECT_HAS(c.evidence, "(from podman image inspect)");
  // uname's name for the host works as well as OCI's.
  EXPECT_EQ(only(image_hygiene_checks(run_with({environment("runtime")}), catalog(), "x86_64")).verdict, Verdict::Pass);
}

TEST(ImageHygiene, FailsOnLatestMissingVariablesSizeAndArchitecture) {
  auto e = environment("base");
  e.image = "nvcr.io/nvidia/cuda:latest";
  e.image_facts->reference = e.image;
  e.image_facts->env.erase("NVIDIA_REQUIRE_CUDA");
  e.image_facts->labels["NVIDIA_REQUIRE_CUDA"] = "cuda>=13.0";
  e.image_facts->size_bytes = 900'000'000;
  e.image_facts->architecture = "arm64";
  const auto c = only(image_hygiene_checks(run_with({e}), catalog(), "amd64"));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis, "the image 'nvcr.io/nvidia/cuda:latest' uses the tag 'latest'");
  EXPECT_HAS(c.diagnosis, "the image's environment lacks NVIDIA_REQUIRE_CUDA (NVIDIA_REQUIRE_CUDA only as a label");
  EXPECT_HAS(c.diagnosis,
             "the image is 0.90 GB (900000000 bytes), over the base flavour's budget of 0.50 GB (base, "
             "test-flavors.json)");
  EXPECT_HAS(c.diagnosis, "the image is built for linux/arm64, the host is amd64");
  EXPECT_HAS(c.fix, "pin a version tag");
  EXPECT_HAS(c.fix, "ENV CUDA_VERSION=13.0.1");
  EXPECT_HAS(c.fix, "apt-get clean");
  EXPECT_HAS(c.fix, "podman build --platform linux/amd64");
}

TEST(ImageHygiene, FailsWhereTheToolkitWouldRefuseTheImageOnTheRunsDriver) {
  auto e = environment("runtime");
  e.ranks.resize(1);
  e.ranks[0].probe.driver_release = "575.57.08";
  e.ranks[0].probe.driver_version = 12090;
  // The fixture's "cuda>=13.0 brand=tesla,driver>=535" admits a 575 driver through its second alternative
  // (brand holds without GPU facts), as the toolkit would on a Tesla-branded GPU.
  EXPECT_EQ(only(image_hygiene_checks(run_with({e}), catalog(), "amd64")).verdict, Verdict::Pass);
  e.image_facts->env["NVIDIA_REQUIRE_CUDA"] = "cuda>=13.0";
  auto c = only(image_hygiene_checks(run_with({e}), catalog(), "amd64"));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis, "[requirement-unsatisfied]");
  EXPECT_HAS(c.diagnosis, "unsatisfied condition: cuda>=13.0, please update your driver");
  e.ranks[0].probe.driver_release = "580.95.05";
  e.ranks[0].probe.driver_version = 13000;
  EXPECT_EQ(only(image_hygiene_checks(run_with({e}), catalog(), "amd64")).verdict, Verdict::Pass);
  e.image_facts->env["NVIDIA_DRIVER_CAPABILITIES"] = "compute,utility,cuda";
  c = only(image_hygiene_checks(run_with({e}), catalog(), "amd64"));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis, "unsupported capabilities found in 'compute,cuda,utility'");
}

TEST(ImageHygiene, VariablesAndLabelsMustMatchTheFlavoursPatterns) {
  auto e = environment("runtime-cudnn");
  e.image_facts->env["CUDA_VERSION"] = "12.9.1";
  e.image_facts->env["NVIDIA_DRIVER_CAPABILITIES"] = "utility";
  e.image_facts->labels["com.nvidia.cudnn.version"] = "8.9.7";
  const auto c = only(image_hygiene_checks(run_with({e}), catalog(), "amd64"));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis,
             "does not match the runtime-cudnn flavour: NVIDIA_DRIVER_CAPABILITIES=utility (expected "
             "compute,utility)");
  EXPECT_HAS(c.diagnosis, "NVIDIA_DRIVER_CAPABILITIES=utility lacks compute");
  EXPECT_HAS(c.diagnosis,
             "the image's labels do not match the runtime-cudnn flavour: com.nvidia.cudnn.version=8.9.7 "
             "(expected 9.*)");
  // CUDA_VERSION 12.9.1 makes {major} 12, so its own pattern holds; NVIDIA_REQUIRE_CUDA (cuda>=13.0) does not.
  EXPECT_HAS(c.diagnosis, "NVIDIA_REQUIRE_CUDA=cuda>=13.0 brand=tesla,driver>=535 (expected cuda>={major}.*)");
}

TEST(ImageHygiene, WaivedWhenTheFactsAreUnknownUnlessTheTagAloneFails) {
  auto e = environment("runtime");
  e.image_facts.reset();
  auto c = only(image_hygiene_checks(run_with({e}), catalog(), "amd64"));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_HAS(c.evidence, "the image's configuration is unknown");
  EXPECT_HAS(c.evidence, "labels, environment, size and architecture unchecked; reference pinned");

  e.image = "nvcr.io/nvidia/cuda";
  c = only(image_hygiene_checks(run_with({e}), catalog(), "amd64"));
  EXPECT_EQ(c.verdict, Verdict::Fail);
  EXPECT_HAS(c.diagnosis, "has no tag or digest, so it means 'latest'");

  auto bundle = environment("base");
  bundle.runtime = "oci";
  bundle.image = "/var/lib/gpucert/bundles/base/rootfs";
  bundle.image_facts.reset();
  c = only(image_hygiene_checks(run_with({bundle}), catalog(), "amd64"));
  EXPECT_EQ(c.verdict, Verdict::Waived);
  EXPECT_HAS(c.evidence, "a root filesystem, no tag to float");
}

TEST(ImageHygiene, UnknownSizeOrArchitectureIsSaidNotFailed) {
  auto e = environment("runtime");
  e.image_facts->size_bytes.reset();
  e.image_facts->architecture.clear();
  const auto c = only(image_hygiene_checks(run_with({e}), catalog(), "amd64"));
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_HAS(c.evidence, "size unknown");
  EXPECT_HAS(c.evidence, "architecture unknown");
}

TEST(ImageHygiene, TheHostArchitectureComesFromTheNativeProbe) {
  auto run = healthy_run();
  EXPECT_EQ(host_architecture_of(run), build_architecture());
  run.ranks[0].probe.machine = "aarch64";
  EXPECT_EQ(host_architecture_of(run), "arm64");
}

// ---- conformance_checks -----------------------------------------------------------------------------------

TEST(ContainerConformance, EveryCheckInTheDesignsOrder) {
  auto run = parity_run(1.0);
  auto devel = environment("devel");
  devel.devel_check = devel_passed();
  run.environments.push_back(devel);
  const auto flavors = catalog();
  const auto checks = conformance_checks(run, embedded_thresholds(), ConformanceContext{&flavors, "amd64", 0.97});
  std::vector<std::string> order;
  for (const auto& c : checks)
    if (order.empty() || order.back() != c.name) order.push_back(c.name);
  EXPECT_EQ(order, (std::vector<std::string>{"gpu-visible", "driver-runtime-alignment", "library-inventory",
                                             "results-verified", "workload-availability", "performance-floor",
                                             "exclusive-use", "memory-errors", "xid-events", "pcie", "nvlink",
                                             "throttling", "performance-parity", "devel-compiles", "image-hygiene"}));
  for (const auto& c : checks)
    EXPECT_NE(c.verdict, Verdict::Fail) << c.name << " " << c.environment << ": " << c.diagnosis;
}

TEST(ContainerConformance, ARunWithoutEnvironmentsKeepsItsChecks) {
  const auto run = healthy_run();
  const auto with_context = conformance_checks(run, embedded_thresholds(), ConformanceContext{});
  const auto plain = conformance_checks(run, embedded_thresholds());
  ASSERT_EQ(with_context.size(), plain.size());
  for (std::size_t i = 0; i < plain.size(); ++i) EXPECT_EQ(to_json(with_context[i]), to_json(plain[i]));
  for (const auto& c : plain) {
    EXPECT_EQ(c.environment, "native");
    for (const char* name : {"library-inventory", "performance-parity", "devel-compiles", "image-hygiene"})
      EXPECT_NE(c.name, name);
  }
}

TEST(ContainerConformance, TheSuitesParityThresholdReachesTheCheck) {
  const auto run = parity_run(1.10);
  const auto flavors = catalog();
  auto parity = [&](double threshold) {
    for (const auto& c : conformance_checks(run, embedded_thresholds(), ConformanceContext{&flavors, "", threshold}))
      if (c.name == "performance-parity") return c.verdict;
    return Verdict::Waived;
  };
  EXPECT_EQ(parity(0.97), Verdict::Fail);
  EXPECT_EQ(parity(0.85), Verdict::Pass);
}

}  // namespace
}  // namespace gpucert

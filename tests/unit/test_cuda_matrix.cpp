// Several CUDA versions in one run: `--cuda` (or a suite's "cuda_versions") plans flavors x versions, and each
// image gets the worker of its CUDA major, found beside gpucert's own or named in GPUCERT_WORKERS.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/compat.hpp"
#include "core/framework_checks.hpp"
#include "core/suite.hpp"
#include "reports/cuda_matrix.hpp"
#include "runtime/environment_plan.hpp"
#include "runtime/worker_builds.hpp"

namespace gpucert {
namespace {

namespace fs = std::filesystem;
using runtime::EnvironmentRequest;
using runtime::RuntimeKind;

const std::vector<std::string> kFlavors = {"base", "devel", "runtime", "runtime-cudnn"};

EnvironmentRequest matrix_request(RuntimeKind kind) {
  EnvironmentRequest r;
  r.runtime = kind;
  r.image_prefix = kind == RuntimeKind::Oci ? "/var/tmp/flavors" : "localhost/cuda";
  r.os = "debian12";
  r.flavors = {"base", "runtime"};
  r.cuda_versions = {"12.9", "13.0"};
  return r;
}

std::string refusal(const EnvironmentRequest& r) {
  auto planned = runtime::plan_environments(r, kFlavors);
  return planned ? std::string("(accepted)") : planned.error().message;
}

TEST(CudaMatrix, EveryFlavorInEveryVersionWithItsOwnImageAndName) {
  auto planned = runtime::plan_environments(matrix_request(RuntimeKind::Podman), kFlavors);
  ASSERT_TRUE(planned) << planned.error().message;
  ASSERT_EQ(planned->size(), 4u);
  EXPECT_EQ((*planned)[0].name, "cuda12.9-base");
  EXPECT_EQ((*planned)[0].image, "localhost/cuda:12.9-base-debian12");
  EXPECT_EQ((*planned)[0].flavor, "base");
  EXPECT_EQ((*planned)[0].cuda_version, "12.9");
  EXPECT_EQ((*planned)[1].image, "localhost/cuda:12.9-runtime-debian12");
  EXPECT_EQ((*planned)[3].name, "cuda13.0-runtime");
  EXPECT_EQ((*planned)[3].image, "localhost/cuda:13.0-runtime-debian12");

  auto oci = runtime::plan_environments(matrix_request(RuntimeKind::Oci), kFlavors);
  ASSERT_TRUE(oci) << oci.error().message;
  EXPECT_EQ((*oci)[2].image, "/var/tmp/flavors/13.0/base/rootfs");
}

TEST(CudaMatrix, BadVersionListsAreRefusedNamingTheValue) {
  auto r = matrix_request(RuntimeKind::Podman);
  r.cuda_versions = {"12.9", "twelve"};
  EXPECT_NE(refusal(r).find("'twelve' is not a CUDA version"), std::string::npos) << refusal(r);
  r.cuda_versions = {"12"};
  EXPECT_NE(refusal(r).find("'12' is not a CUDA version"), std::string::npos);
  r.cuda_versions = {"12.9", "12.9"};
  EXPECT_NE(refusal(r).find("12.9 is asked for twice"), std::string::npos);
  r.cuda_versions = {"12.9"};
  r.cuda_version = "13.0";
  EXPECT_NE(refusal(r).find("give one"), std::string::npos);
  r.cuda_version.clear();
  r.flavors.clear();
  EXPECT_NE(refusal(r).find("--cuda needs --flavors"), std::string::npos);
}

TEST(CudaMatrix, SuiteFileNamesFlavorsAndVersions) {
  const std::string items = R"("items": [{"workload": "stream"}])";
  auto ok = parse_suite(R"({"schema_version": 1, "name": "m", "flavors": ["base", "runtime"],
                            "cuda_versions": ["12.9", "13.0"], )" +
                            items + "}",
                        "m.json");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->flavors, (std::vector<std::string>{"base", "runtime"}));
  EXPECT_EQ(ok->cuda_versions, (std::vector<std::string>{"12.9", "13.0"}));
  auto lonely =
      parse_suite(R"({"schema_version": 1, "name": "m", "cuda_versions": ["12.9"], )" + items + "}", "m.json");
  ASSERT_FALSE(lonely);
  EXPECT_NE(lonely.error().message.find("needs \"flavors\""), std::string::npos) << lonely.error().message;
  auto twice =
      parse_suite(R"({"schema_version": 1, "name": "m", "flavors": ["base", "base"], )" + items + "}", "m.json");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("flavors[1]"), std::string::npos) << twice.error().message;
}

class WorkerBuilds : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("gpucert-worker-builds-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    for (auto dir : {"bin", "cuda12/bin", "cuda11/bin", "cudaX/bin", "cuda12x/bin"}) {
      fs::create_directories(root_ / dir);
      std::ofstream(root_ / dir / "gpucert-worker") << "#!/bin/sh\n";
    }
    fs::create_directories(root_ / "cuda10/bin");  // a folder without a worker
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(WorkerBuilds, OwnFirstThenEachCudaFolderNewestFirst) {
  auto builds = runtime::find_worker_builds((root_ / "bin/gpucert-worker").string(), 13000, "");
  ASSERT_TRUE(builds) << builds.error().message;
  ASSERT_EQ(builds->size(), 3u) << runtime::describe_worker_builds(*builds);
  EXPECT_EQ((*builds)[0].cuda_major, 13);
  EXPECT_EQ((*builds)[0].cuda_version, 13000);
  EXPECT_EQ((*builds)[1].cuda_major, 12);
  EXPECT_EQ((*builds)[1].path, (root_ / "cuda12/bin/gpucert-worker").string());
  EXPECT_EQ((*builds)[2].cuda_major, 11);

  ASSERT_NE(runtime::worker_for_cuda(*builds, "12.9.1"), nullptr);
  EXPECT_EQ(runtime::worker_for_cuda(*builds, "12.9.1")->cuda_major, 12);
  EXPECT_EQ(runtime::worker_for_cuda(*builds, "13.0.2")->cuda_major, 13);
  EXPECT_EQ(runtime::worker_for_cuda(*builds, "10.2"), nullptr);
  EXPECT_EQ(runtime::worker_for_cuda(*builds, "latest"), nullptr);
  EXPECT_EQ(runtime::worker_for_cuda(*builds, ""), nullptr);
}

TEST_F(WorkerBuilds, NamedWorkersReplaceFoundOnesAndBadEntriesAreRefused) {
  const auto other = (root_ / "cuda11/bin/gpucert-worker").string();
  auto builds = runtime::find_worker_builds((root_ / "bin/gpucert-worker").string(), 13000, "12=" + other);
  ASSERT_TRUE(builds) << builds.error().message;
  EXPECT_EQ(runtime::worker_for_cuda(*builds, "12.4")->path, other);

  auto missing =
      runtime::find_worker_builds((root_ / "bin/gpucert-worker").string(), 13000, "12=/nowhere/gpucert-worker");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nowhere/gpucert-worker (the CUDA 12 worker) is not a file"),
            std::string::npos);
  auto malformed = runtime::find_worker_builds((root_ / "bin/gpucert-worker").string(), 13000, "twelve=" + other);
  ASSERT_FALSE(malformed);
  EXPECT_NE(malformed.error().message.find("is not MAJOR=PATH"), std::string::npos);
}

// With no worker of the image's major, the own one is checked, and refused with what to do.
TEST(WorkerForImage, ACuda13WorkerIsRefusedInACuda12ImageWithTheWayOut) {
  const auto refused = check_worker_fits_image(13000, "12.9.1", "localhost/cuda:12.9.1-base-debian12");
  ASSERT_FALSE(refused);
  const auto& m = refused.error().message;
  EXPECT_NE(m.find("built with CUDA 13.0 and links libcudart.so.13"), std::string::npos) << m;
  EXPECT_NE(m.find("a CUDA 12.9.1 image"), std::string::npos) << m;
  EXPECT_NE(m.find("scripts/setup --cuda 12"), std::string::npos) << m;
  EXPECT_NE(m.find("GPUCERT_WORKERS=12=PATH"), std::string::npos) << m;
}

// ---- driver compatibility per image ---------------------------------------------------------------------------

TEST(DriverPerRelease, EachReleaseHasItsDriverAndPatchReleasesShareTheirMinors) {
  EXPECT_EQ(minimum_driver_for_cuda_release(13000), "580.65.06");
  EXPECT_EQ(minimum_driver_for_cuda_release(12090), "575.51.03");
  EXPECT_EQ(minimum_driver_for_cuda_release(12091), "575.51.03");
  EXPECT_EQ(minimum_driver_for_cuda_release(11080), "520.61.05");
  EXPECT_EQ(minimum_driver_for_cuda_release(10020), "");
}

TEST(DriverPerRelease, NotesMinorVersionCompatibilityAndForwardCompatibilityOnly) {
  EXPECT_EQ(driver_compatibility_note("580.95.05", 12090, "/usr/lib/x86_64-linux-gnu/libcuda.so.1"), "");
  const auto minor = driver_compatibility_note("550.54.15", 12090, "/usr/lib/x86_64-linux-gnu/libcuda.so.1");
  EXPECT_NE(minor.find("below 575.51.03 (CUDA 12.9's driver), so only minor-version compatibility applies"),
            std::string::npos)
      << minor;
  const auto forward = driver_compatibility_note("535.104.05", 12090, "/usr/local/cuda/compat/libcuda.so.1");
  EXPECT_NE(forward.find("forward-compatibility package"), std::string::npos) << forward;
  EXPECT_EQ(driver_compatibility_note("", 12090, ""), "");
}

// ---- the report's matrix and the framework check -----------------------------------------------------------

EnvironmentRecord cell(const std::string& name, const std::string& flavor, const std::string& cuda, bool usable) {
  EnvironmentRecord e;
  e.name = name;
  e.runtime = "podman";
  e.image = "localhost/cuda:" + cuda + "-" + flavor + "-debian12";
  e.flavor = flavor;
  ImageFacts facts;
  facts.env["CUDA_VERSION"] = cuda;
  e.image_facts = facts;
  RankRecord r;
  r.usable = usable;
  r.probe.environment["CUDA_VERSION"] = cuda;
  e.ranks.push_back(r);
  return e;
}

RunRecord matrix_run() {
  RunRecord run;
  run.environments = {cell("cuda12.9-base", "base", "12.9.1", true),
                      cell("cuda12.9-runtime", "runtime", "12.9.1", true),
                      cell("cuda13.0-base", "base", "13.0.2", true)};
  run.checks = {{"gpu-visible", "cuda12.9-base", "rank 0", 0, Verdict::Pass, "", "", ""},
                {"gpu-visible", "cuda12.9-runtime", "rank 0", 0, Verdict::Pass, "", "", ""},
                {"framework-alignment", "cuda12.9-runtime", "rank 0", 0, Verdict::Fail, "", "", ""},
                {"gpu-visible", "cuda13.0-base", "rank 0", 0, Verdict::Pass, "", "", ""},
                {"image-hygiene", "cuda13.0-base", "img", -1, Verdict::Waived, "", "", ""}};
  return run;
}

TEST(CudaMatrixReport, OneRowPerVersionOneColumnPerFlavorWithTheCellsVerdict) {
  const auto run = matrix_run();
  const auto m = reports::cuda_matrix(run);
  ASSERT_EQ(m.versions, (std::vector<std::string>{"12.9", "13.0"}));
  ASSERT_EQ(m.flavors, (std::vector<std::string>{"base", "runtime"}));
  EXPECT_EQ(m.cells[0][1].checks.fail, 1u);
  EXPECT_EQ(m.cells[0][1].framework, Verdict::Fail);
  EXPECT_FALSE(m.cells[0][0].framework);
  EXPECT_TRUE(m.cells[1][1].environment.empty());  // 13.0 runtime did not run
  EXPECT_EQ(m.cells[1][0].checks.waived, 1u);

  const auto md = reports::cuda_matrix_markdown(run);
  EXPECT_NE(
      md.find("| 12.9 | PASSED: 1 passed, 0 failed, 0 waived; parity -; no PyTorch | **FAILED**: 1 passed, 1 failed"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("PyTorch misaligned"), std::string::npos) << md;
  EXPECT_NE(md.find("| 13.0 | PASSED: 1 passed, 0 failed, 1 waived; parity -; no PyTorch | not run |"),
            std::string::npos)
      << md;
  const auto html = reports::cuda_matrix_html(run);
  EXPECT_NE(html.find("<section id=\"cuda-matrix\">"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"pill fail\">FAILED</span>"), std::string::npos) << html;
}

TEST(CudaMatrixReport, ARunOfOneCudaVersionHasNoMatrix) {
  RunRecord run;
  run.environments = {cell("base", "base", "13.0.2", true), cell("runtime", "runtime", "13.0.2", true)};
  EXPECT_TRUE(reports::cuda_matrix(run).empty());
  EXPECT_EQ(reports::cuda_matrix_markdown(run), "");
}

TEST(FrameworkAlignment, PyTorchOfTheImagesMajorPassesAnotherMajorFailsNoTorchNoCheck) {
  RunRecord run;
  run.environments = {cell("cuda12.9-runtime", "runtime", "12.9.1", true),
                      cell("cuda13.0-runtime", "runtime", "13.0.2", true),
                      cell("cuda13.0-base", "base", "13.0.2", true)};
  PythonTorchProbe aligned{"python3", "2.8.0+cu129", "12.9", true, 1, "", {}};
  PythonTorchProbe other{"python3", "2.8.0+cu126", "12.6", true, 1, "", {}};
  run.environments[0].ranks[0].probe.python_torch = aligned;
  run.environments[0].ranks[0].probe.driver_version = 13000;
  run.environments[1].ranks[0].probe.python_torch = other;
  run.environments[1].ranks[0].probe.driver_version = 13000;
  const auto checks = framework_alignment_checks(run);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].environment, "cuda12.9-runtime");
  EXPECT_EQ(checks[0].verdict, Verdict::Pass) << checks[0].evidence << " / " << checks[0].diagnosis;
  EXPECT_EQ(checks[1].environment, "cuda13.0-runtime");
  EXPECT_EQ(checks[1].verdict, Verdict::Fail);
  EXPECT_NE(checks[1].evidence.find("built for CUDA 12.6"), std::string::npos) << checks[1].evidence;
  EXPECT_FALSE(checks[1].fix.empty());
}

}  // namespace
}  // namespace gpucert

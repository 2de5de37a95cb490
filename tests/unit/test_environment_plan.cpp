// `gpucert run --flavors/--image` as named environments: the images each runtime is given, and every bad
// request refused before anything starts, naming the option and the value.
#include <gtest/gtest.h>

#include "runtime/environment_plan.hpp"
#include "runtime/launchers.hpp"

namespace gpucert {
namespace {

using runtime::EnvironmentRequest;
using runtime::RuntimeKind;

const std::vector<std::string> kFlavors = {"base", "devel", "runtime", "runtime-cudnn"};

EnvironmentRequest oci_request() {
  EnvironmentRequest r;
  r.runtime = RuntimeKind::Oci;
  r.image_prefix = "/var/tmp/flavors";
  r.cuda_version = "13.0";
  r.os = "ubuntu24.04";
  return r;
}

std::string refusal(const EnvironmentRequest& r) {
  auto planned = runtime::plan_environments(r, kFlavors);
  return planned ? std::string("(accepted)") : planned.error().message;
}

TEST(EnvironmentPlan, OciFlavorsAreBundleRootFilesystemsInTheOrderAsked) {
  auto r = oci_request();
  r.flavors = {"runtime", "base"};
  auto planned = runtime::plan_environments(r, kFlavors);
  ASSERT_TRUE(planned) << planned.error().message;
  ASSERT_EQ(planned->size(), 2u);
  EXPECT_EQ((*planned)[0].name, "runtime");
  EXPECT_EQ((*planned)[0].flavor, "runtime");
  EXPECT_EQ((*planned)[0].image, "/var/tmp/flavors/runtime/rootfs");
  EXPECT_EQ((*planned)[1].image, "/var/tmp/flavors/base/rootfs");
  EXPECT_EQ((*planned)[1].runtime, RuntimeKind::Oci);
}

TEST(EnvironmentPlan, RegistryFlavorsAreTaggedWithVersionFlavorAndOs) {
  EnvironmentRequest r;
  r.runtime = RuntimeKind::Podman;
  r.image_prefix = "localhost/cuda";
  r.cuda_version = "13.0";
  r.os = "debian12";
  r.flavors = {"runtime-cudnn"};
  auto planned = runtime::plan_environments(r, kFlavors);
  ASSERT_TRUE(planned) << planned.error().message;
  EXPECT_EQ(planned->at(0).image, "localhost/cuda:13.0-runtime-cudnn-debian12");
}

TEST(EnvironmentPlan, ImagesOfYourOwnAreNamedAndAFlavorNameChecksThemAsThatFlavor) {
  auto r = oci_request();
  r.images = {"mine=/srv/images/mine/rootfs", "devel=/srv/images/devel/rootfs"};
  auto planned = runtime::plan_environments(r, kFlavors);
  ASSERT_TRUE(planned) << planned.error().message;
  EXPECT_EQ(planned->at(0).name, "mine");
  EXPECT_EQ(planned->at(0).flavor, "");
  EXPECT_EQ(planned->at(1).flavor, "devel");
}

TEST(EnvironmentPlan, BadRequestsAreRefusedNamingOptionAndValue) {
  auto r = oci_request();
  r.flavors = {"runtime", "cudnn"};
  EXPECT_NE(refusal(r).find("'cudnn' is not a flavor; the flavors are base, devel, runtime, runtime-cudnn"),
            std::string::npos);
  r.flavors = {"runtime", "runtime"};
  EXPECT_NE(refusal(r).find("asked for twice"), std::string::npos);
  r.flavors = {"base"};
  r.image_prefix.clear();
  EXPECT_NE(refusal(r).find("--flavors needs --image-prefix"), std::string::npos);
  r = oci_request();
  r.images = {"native=/srv/x"};
  EXPECT_NE(refusal(r).find("'native' is the run without a container"), std::string::npos);
  r.images = {"x=relative/rootfs"};
  EXPECT_NE(refusal(r).find("not an absolute path"), std::string::npos);
  r.images = {"noequals"};
  EXPECT_NE(refusal(r).find("expected NAME=IMAGE"), std::string::npos);
  r.images = {"a;b=/srv/x"};
  EXPECT_NE(refusal(r).find("may hold only letters"), std::string::npos);
  r.runtime = RuntimeKind::Podman;
  r.images = {"mine=localhost/cuda:latest"};
  EXPECT_NE(refusal(r).find("latest"), std::string::npos);
  r.images = {"mine=localhost/cuda"};
  EXPECT_NE(refusal(r).find("--image mine=localhost/cuda"), std::string::npos);
  r.images.clear();
  r.flavors = {"base"};
  r.image_prefix = "localhost/cuda";
  r.os.clear();
  EXPECT_NE(refusal(r).find("--cuda-version and --os"), std::string::npos);
  r = oci_request();
  r.runtime = RuntimeKind::Native;
  r.flavors = {"base"};
  EXPECT_NE(refusal(r).find("--runtime native runs no image"), std::string::npos);
}

TEST(EnvironmentPlan, TheWorkersSupportLibrariesAreBoundReadOnlyBesideItsFolder) {
  runtime::Environment env;
  env.kind = RuntimeKind::Podman;
  env.image = "localhost/cuda:13.0-base-debian12";
  env.gpus = {"0"};
  env.worker_host_path = "/opt/gpucert/build/bin/gpucert-worker";
  env.support_library_host_dir = "/opt/gpucert/build/lib";
  EXPECT_EQ(runtime::support_library_container_dir(env), "/opt/gpucert/lib");
  auto binds = runtime::worker_binds(env, "podman", ":,", "ro");
  ASSERT_TRUE(binds) << binds.error().message;
  EXPECT_NE(std::find(binds->begin(), binds->end(), "/opt/gpucert/build/lib:/opt/gpucert/lib:ro"), binds->end());
  env.support_library_host_dir = "build/lib";
  EXPECT_FALSE(runtime::check_environment(env));
}

}  // namespace
}  // namespace gpucert

// Image facts from `podman image inspect` and from an OCI image configuration, their JSON round trip, and
// the small pure rules the image-hygiene check uses (floating tags, architecture names).
#include <string>

#include <gtest/gtest.h>

#include "core/image_facts.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

// Trimmed from `podman image inspect localhost/gpucert/cuda:13.0.2-runtime-ubuntu24.04`.
constexpr const char* kInspect = R"([
  {
    "Id": "5f1c0e3a9b7d",
    "Digest": "sha256:9a3c5e7f1b2d4c6e8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f",
    "RepoTags": ["localhost/gpucert/cuda:13.0.2-runtime-ubuntu24.04"],
    "Created": "2026-11-20T10:00:00Z",
    "Config": {
      "Env": ["PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/bin", "CUDA_VERSION=13.0.2",
              "NVIDIA_REQUIRE_CUDA=cuda>=13.0", "NVIDIA_DRIVER_CAPABILITIES=compute,utility", "EMPTY"],
      "Labels": {"maintainer": "NVIDIA CORPORATION <cudatools@nvidia.com>", "org.opencontainers.image.version": "24.04"}
    },
    "Architecture": "amd64",
    "Os": "linux",
    "Size": 3221225472,
    "Labels": {"maintainer": "NVIDIA CORPORATION <cudatools@nvidia.com>"}
  }
])";

TEST(ImageFacts, ReadsPodmanImageInspect) {
  const auto f = image_facts_from_inspect(kInspect, "localhost/gpucert/cuda:13.0.2-runtime-ubuntu24.04");
  ASSERT_TRUE(f.ok()) << f.error().describe();
  EXPECT_EQ(f->reference, "localhost/gpucert/cuda:13.0.2-runtime-ubuntu24.04");
  EXPECT_EQ(f->id, "sha256:9a3c5e7f1b2d4c6e8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f");
  EXPECT_EQ(f->env.at("CUDA_VERSION"), "13.0.2");
  EXPECT_EQ(f->env.at("NVIDIA_REQUIRE_CUDA"), "cuda>=13.0");
  EXPECT_EQ(f->env.at("PATH"), "/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/bin");
  EXPECT_EQ(f->env.at("EMPTY"), "");
  EXPECT_EQ(f->labels.at("org.opencontainers.image.version"), "24.04");
  EXPECT_EQ(f->size_bytes, 3221225472u);
  EXPECT_EQ(f->architecture, "amd64");
  EXPECT_EQ(f->os, "linux");
  EXPECT_EQ(f->source, "podman image inspect");
}

TEST(ImageFacts, InspectWithoutAReferenceTakesTheFirstTag) {
  const auto f = image_facts_from_inspect(kInspect, "");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->reference, "localhost/gpucert/cuda:13.0.2-runtime-ubuntu24.04");
}

TEST(ImageFacts, InspectRefusesWhatIsNoImageAndNamesTheField) {
  EXPECT_HAS(image_facts_from_inspect("not json", "x:1").error().message, "image inspect output is not JSON");
  EXPECT_HAS(image_facts_from_inspect("[]", "x:1").error().message, "image inspect printed no image for 'x:1'");
  EXPECT_HAS(image_facts_from_inspect(R"([{"Config": {"Env": "CUDA_VERSION=13.0"}}])", "x:1").error().message,
             "Config.Env: expected an array of \"NAME=value\" strings, got a string");
  EXPECT_HAS(image_facts_from_inspect(R"([{"Size": "3 GB"}])", "x:1").error().message,
             "Size: expected a size in bytes (a whole number), got \"3 GB\"");
  EXPECT_HAS(image_facts_from_inspect(R"([{"Architecture": 64}])", "x:1").error().message,
             "Architecture: expected a string, got a whole number");
}

TEST(ImageFacts, ReadsTheBuildersImageConfigTolerantly) {
  const auto f = image_facts_from_oci_config(
      R"({"architecture": "arm64", "os": "linux", "size_bytes": 123456,
          "config": {"Env": ["CUDA_VERSION=12.9.1"], "Labels": {"com.nvidia.cudnn.version": "9.10.2"}},
          "rootfs": {"type": "layers"}, "history": []})",
      "/var/lib/gpucert/bundles/runtime/rootfs", "/var/lib/gpucert/bundles/runtime/image-config.json");
  ASSERT_TRUE(f.ok()) << f.error().describe();
  EXPECT_EQ(f->reference, "/var/lib/gpucert/bundles/runtime/rootfs");
  EXPECT_EQ(f->architecture, "arm64");
  EXPECT_EQ(f->size_bytes, 123456u);
  EXPECT_EQ(f->env.at("CUDA_VERSION"), "12.9.1");
  EXPECT_EQ(f->labels.at("com.nvidia.cudnn.version"), "9.10.2");
  EXPECT_EQ(f->source, "/var/lib/gpucert/bundles/runtime/image-config.json");

  const auto bare = image_facts_from_oci_config(R"({"architecture": "amd64"})", "", "c.json");
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->size_bytes);
  EXPECT_TRUE(bare->env.empty());
  EXPECT_TRUE(bare->os.empty());

  const auto with_reference = image_facts_from_oci_config(R"({"reference": "localhost/x:1", "size": 7})", "", "c.json");
  ASSERT_TRUE(with_reference.ok());
  EXPECT_EQ(with_reference->reference, "localhost/x:1");
  EXPECT_EQ(with_reference->size_bytes, 7u);

  EXPECT_HAS(image_facts_from_oci_config("{", "", "c.json").error().message, "c.json: not valid JSON");
  EXPECT_HAS(image_facts_from_oci_config(R"({"config": {"Labels": ["a"]}})", "", "c.json").error().message,
             "c.json: config.Labels: expected an object of label -> value, got an array");
  EXPECT_HAS(image_facts_from_oci_config(R"({"size_bytes": -1})", "", "c.json").error().message,
             "size_bytes: expected a size in bytes");
}

TEST(ImageFacts, JsonRoundTrip) {
  ImageFacts f;
  f.reference = "localhost/gpucert/cuda:13.0.2-base-ubuntu24.04";
  f.id = "sha256:ab";
  f.labels = {{"a", "1"}};
  f.env = {{"CUDA_VERSION", "13.0.2"}};
  f.size_bytes = 42;
  f.architecture = "amd64";
  f.os = "linux";
  f.source = "podman image inspect";
  const auto back = image_facts_from_json(to_json(f));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(to_json(*back), to_json(f));
  f.size_bytes.reset();
  const auto j = to_json(f);
  EXPECT_TRUE(j["size_bytes"].is_null());
  EXPECT_FALSE(image_facts_from_json(j)->size_bytes);
  EXPECT_FALSE(image_facts_from_json(nlohmann::json::array()).ok());
  EXPECT_FALSE(image_facts_from_json({{"size_bytes", "big"}}).ok());
}

TEST(ImageFacts, FloatingTagsAreNamed) {
  EXPECT_EQ(floating_tag_problem("nvcr.io/nvidia/cuda:latest"), "uses the tag 'latest'");
  EXPECT_EQ(floating_tag_problem("docker://nvcr.io/nvidia/cuda:LATEST"), "uses the tag 'latest'");
  EXPECT_EQ(floating_tag_problem("nvcr.io/nvidia/cuda"), "has no tag or digest, so it means 'latest'");
  EXPECT_EQ(floating_tag_problem("registry:5000/cuda"), "has no tag or digest, so it means 'latest'");
  EXPECT_FALSE(floating_tag_problem("registry:5000/cuda:13.0.2-base-ubuntu24.04"));
  EXPECT_FALSE(floating_tag_problem("nvcr.io/nvidia/cuda@sha256:0123456789abcdef"));
  EXPECT_FALSE(floating_tag_problem("/var/lib/gpucert/bundles/base/rootfs"));
  EXPECT_EQ(floating_tag_problem(""), "has no name");
}

TEST(ImageFacts, ArchitecturesInOciTerms) {
  EXPECT_EQ(oci_architecture("x86_64"), "amd64");
  EXPECT_EQ(oci_architecture("aarch64"), "arm64");
  EXPECT_EQ(oci_architecture("AMD64"), "amd64");
  EXPECT_EQ(oci_architecture("ppc64le"), "ppc64le");
  EXPECT_EQ(oci_architecture(""), "");
  EXPECT_FALSE(build_architecture().empty());
}

}  // namespace
}  // namespace gpucert

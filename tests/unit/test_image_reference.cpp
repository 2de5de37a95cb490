// The image policy (docs/ARCHITECTURE.md): a version tag or a digest, never `latest`, whatever the registry syntax.
#include <string>

#include <gtest/gtest.h>

#include "runtime/image_reference.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

std::string refusal(const char* reference) {
  const auto status = runtime::check_image_reference(reference);
  EXPECT_FALSE(status.ok()) << reference << " was accepted";
  return status.ok() ? "" : status.error().message;
}

const std::string kDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(ImageReference, PinnedReferencesAreAccepted) {
  for (const std::string& reference :
       {std::string("localhost/cuda:13.0-runtime-ubuntu24.04"),
        std::string("nvcr.io/nvidia/cuda:12.9.1-base-ubuntu24.04"), std::string("registry.example:5000/cuda:12.9-base"),
        "nvcr.io/nvidia/cuda@" + kDigest, "nvcr.io/nvidia/cuda:13.0-runtime@" + kDigest,
        std::string("docker://nvcr.io/nvidia/cuda:13.0-devel"),
        std::string("docker://user@nvcr.io#nvidia/cuda:13.0-runtime"), "docker://nvcr.io#nvidia/cuda@" + kDigest})
    EXPECT_TRUE(runtime::check_image_reference(reference).ok()) << reference;
}

TEST(ImageReference, NoTagIsRefusedBecauseItMeansLatest) {
  EXPECT_HAS(refusal("localhost/cuda"), "has no tag, so the runtime would take 'latest'");
  EXPECT_HAS(refusal("registry.example:5000/cuda"), "has no tag");  // a port is not a tag
  EXPECT_HAS(refusal("docker://nvcr.io#nvidia/cuda"), "has no tag");
  EXPECT_HAS(refusal("docker://user@nvcr.io#nvidia/cuda"), "has no tag");
  EXPECT_HAS(refusal("ubuntu"), "pin a version tag");
}

TEST(ImageReference, LatestIsRefusedEvenWithADigest) {
  EXPECT_HAS(refusal("localhost/cuda:latest"), "uses the tag 'latest'");
  EXPECT_HAS(refusal("localhost/cuda:LATEST"), "uses the tag 'latest'");
  EXPECT_HAS(refusal(("nvcr.io/nvidia/cuda:latest@" + kDigest).c_str()), "uses the tag 'latest'");
  EXPECT_HAS(refusal("docker://nvcr.io#nvidia/cuda:latest"), "latest");
}

TEST(ImageReference, MalformedDigestsAndEmptyTagsAreRefused) {
  EXPECT_HAS(refusal("nvcr.io/nvidia/cuda@sha256:1234"), "is not a digest");
  EXPECT_HAS(refusal("nvcr.io/nvidia/cuda@md5:0123456789abcdef0123456789abcdef"), "is not a digest");
  EXPECT_HAS(refusal("localhost/cuda:"), "empty tag");
  EXPECT_HAS(refusal(""), "empty");
}

TEST(ImageReference, UrisAreTellableFromFiles) {
  EXPECT_TRUE(runtime::is_image_uri("docker://nvcr.io/nvidia/cuda:13.0-base"));
  EXPECT_TRUE(runtime::is_image_uri("oras://ghcr.io/x/y:1"));
  EXPECT_FALSE(runtime::is_image_uri("/images/cuda.sif"));
  EXPECT_FALSE(runtime::is_image_uri("cuda+13.0.sqsh"));
}

}  // namespace
}  // namespace gpucert

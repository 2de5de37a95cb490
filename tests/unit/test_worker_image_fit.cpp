// The worker runs only in images of its own CUDA major (it links that major's cudart): refused up front,
// naming both versions and what to build instead.
#include <gtest/gtest.h>

#include "core/compat.hpp"

namespace gpucert {
namespace {

TEST(WorkerImageFit, SameMajorFitsWhateverTheMinor) {
  EXPECT_TRUE(check_worker_fits_image(13000, "13.0.2", "localhost/cuda:13.0-runtime-ubuntu24.04"));
  EXPECT_TRUE(check_worker_fits_image(13000, "13.1", "/srv/flavors/runtime/rootfs"));
  EXPECT_TRUE(check_worker_fits_image(12090, "12.4.1", "img"));
}

TEST(WorkerImageFit, AnotherMajorIsRefusedWithBothVersionsAndTheWayOut) {
  auto fits = check_worker_fits_image(13000, "12.9.1", "nvcr.io/nvidia/cuda:12.9.1-runtime-ubuntu24.04");
  ASSERT_FALSE(fits);
  const auto& m = fits.error().message;
  EXPECT_NE(m.find("built with CUDA 13.0"), std::string::npos) << m;
  EXPECT_NE(m.find("libcudart.so.13"), std::string::npos) << m;
  EXPECT_NE(m.find("a CUDA 12.9.1 image"), std::string::npos) << m;
  EXPECT_NE(m.find("build a CUDA 12 worker"), std::string::npos) << m;
}

TEST(WorkerImageFit, UnknownOrUnreadableVersions) {
  EXPECT_TRUE(check_worker_fits_image(13000, "", "img"));  // no CUDA_VERSION: other checks say what it lacks
  EXPECT_TRUE(check_worker_fits_image(0, "12.9", "img"));  // worker's version unknown
  auto garbage = check_worker_fits_image(13000, "latest", "img");
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find("not a CUDA version"), std::string::npos);
}

}  // namespace
}  // namespace gpucert

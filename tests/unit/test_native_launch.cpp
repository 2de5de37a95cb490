// The native launcher: a pure function to argv and environment; the worker runs as a child process with no
// shell in between, so nothing in a path is ever interpreted.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/launch_spec.hpp"

namespace gpucert {
namespace {

TEST(NativeLaunch, ArgvIsTheWorkerAlone) {
  const auto spec = runtime::native_launch("/opt/gpucert/bin/gpucert-worker");
  EXPECT_EQ(spec.argv, std::vector<std::string>{"/opt/gpucert/bin/gpucert-worker"});
}

TEST(NativeLaunch, DisablesNvlinkMulticast) {
  const auto spec = runtime::native_launch("gpucert-worker");
  ASSERT_EQ(spec.set_env.count("NCCL_NVLS_ENABLE"), 1u);
  EXPECT_EQ(spec.set_env.at("NCCL_NVLS_ENABLE"), "0");
}

TEST(NativeLaunch, ChangesNothingElseInTheEnvironment) {
  // The native worker sees the GPUs this process sees: CUDA_VISIBLE_DEVICES and friends pass through.
  const auto spec = runtime::native_launch("gpucert-worker");
  EXPECT_EQ(spec.set_env.size(), 1u);
  EXPECT_TRUE(spec.unset_env.empty());
}

TEST(NativeLaunch, RunsNoShell) {
  // A path with shell syntax stays one argument; no "sh -c" wraps it.
  const std::string path = "/tmp/my worker; rm -rf ~ $(id) `x` | y";
  const auto spec = runtime::native_launch(path);
  ASSERT_EQ(spec.argv.size(), 1u);
  EXPECT_EQ(spec.argv[0], path);
  for (const auto* shell : {"sh", "/bin/sh", "bash", "/bin/bash", "-c"})
    EXPECT_EQ(std::find(spec.argv.begin(), spec.argv.end(), shell), spec.argv.end()) << shell;
}

}  // namespace
}  // namespace gpucert

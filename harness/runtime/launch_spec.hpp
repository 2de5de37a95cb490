// What it takes to start a worker in one environment: the argv and the environment changes. Launchers
// are pure functions to a LaunchSpec, unit-tested as such; only process.cpp executes anything, and it never
// goes through a shell, so nothing from a suite or an image name is ever interpreted by one.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace gpucert::runtime {

struct LaunchSpec {
  std::vector<std::string> argv;               // argv[0] is the program, looked up on PATH if relative
  std::map<std::string, std::string> set_env;  // added to or replacing the parent's variables
  std::vector<std::string> unset_env;          // removed from the parent's variables
};

// The native environment: the worker as a child process, seeing the GPUs this process sees.
LaunchSpec native_launch(const std::string& worker_path);

}  // namespace gpucert::runtime

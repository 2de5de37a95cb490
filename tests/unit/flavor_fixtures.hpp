// Container environments built in code for the flavour check tests (not a test file itself: the glob takes
// test_*.cpp only): ranks whose probe holds a library inventory, image facts, devel check replies; the
// catalogue they are held to is flavor_catalog_fixture.hpp's.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/flavors.hpp"
#include "core/run_record.hpp"
#include "flavor_catalog_fixture.hpp"
#include "report_fixtures.hpp"

namespace gpucert::flavor_fixtures {

inline const std::vector<std::pair<std::string, std::string>>& libraries13() {
  static const std::vector<std::pair<std::string, std::string>> libs = {
      {"cudart", "libcudart.so.13"}, {"cublas", "libcublas.so.13"}, {"cublasLt", "libcublasLt.so.13"},
      {"nccl", "libnccl.so.2"},      {"cudnn", "libcudnn.so.9"},    {"cudnn_graph", "libcudnn_graph.so.9"}};
  return libs;
}

inline std::string version_of(const std::string& library) {
  if (library == "cudart") return "13.0";
  if (library == "nccl") return "2.28.9";
  if (library.rfind("cudnn", 0) == 0) return "9.19.0";
  return "13.1.0";
}

// The probe's inventory where exactly `loaded` load; the others fail with the loader's usual message.
inline std::vector<LibraryProbe> inventory(const std::set<std::string>& loaded) {
  std::vector<LibraryProbe> out;
  for (const auto& [library, soname] : libraries13()) {
    LibraryProbe l;
    l.library = library;
    l.name = soname;
    if (loaded.count(library)) {
      l.loaded = true;
      l.path = "/usr/local/cuda/lib64/" + soname;
      l.version = version_of(library);
    } else {
      l.error = soname + ": cannot open shared object file: No such file or directory";
    }
    out.push_back(std::move(l));
  }
  return out;
}

inline std::set<std::string> loads_of(const std::string& flavor) {
  if (flavor == "base") return {"cudart"};
  if (flavor == "runtime-cudnn") return {"cudart", "cublas", "cublasLt", "nccl", "cudnn", "cudnn_graph"};
  return {"cudart", "cublas", "cublasLt", "nccl"};
}

inline ImageFacts facts_of(const std::string& reference, std::uint64_t size) {
  ImageFacts f;
  f.reference = reference;
  f.id = "sha256:0123";
  f.env = {{"CUDA_VERSION", "13.0.2"},
           {"NVIDIA_REQUIRE_CUDA", "cuda>=13.0 brand=tesla,driver>=535"},
           {"NVIDIA_DRIVER_CAPABILITIES", "compute,utility"},
           {"PATH", "/usr/local/cuda/bin:/usr/bin"}};
  f.size_bytes = size;
  f.architecture = "amd64";
  f.os = "linux";
  f.source = "podman image inspect";
  return f;
}

// A healthy container environment of `flavor` under podman: one usable rank whose inventory and tools are
// the flavour's, image facts within budget.
inline EnvironmentRecord environment(const std::string& flavor) {
  EnvironmentRecord e;
  e.name = flavor;
  e.runtime = "podman";
  e.flavor = flavor;
  e.image = "localhost/gpucert/cuda:13.0.2-" + flavor + "-ubuntu24.04";
  auto r = fixtures::usable_rank(0, "node-a");
  r.probe.environment["CUDA_VERSION"] = "13.0.2";
  r.probe.libraries = inventory(loads_of(flavor));
  r.probe.machine = "x86_64";
  const bool devel = flavor == "devel";
  r.probe.tools = {{"nvcc", devel, devel ? "/usr/local/cuda/bin/nvcc" : ""},
                   {"cuda_runtime.h", devel, devel ? "/usr/local/cuda/include/cuda_runtime.h" : ""}};
  e.ranks = {r};
  e.image_facts = facts_of(e.image, flavor == "base" ? 300'000'000 : 3'000'000'000);
  if (flavor == "runtime-cudnn") e.image_facts->labels["com.nvidia.cudnn.version"] = "9.19.0";
  return e;
}

inline DevelCheckReply devel_passed() {
  DevelCheckReply d;
  d.ok = true;
  d.nvcc = "/usr/local/cuda/bin/nvcc";
  d.nvcc_version = "Cuda compilation tools, release 13.0, V13.0.88";
  d.compile = ProcessOutcome{
      {d.nvcc, "-o", "/tmp/gpucert-devel-x/devel_check", "/tmp/gpucert-devel-x/devel_check.cu"}, 0, 0, false, ""};
  d.run = ProcessOutcome{{"/tmp/gpucert-devel-x/devel_check"}, 0, 0, false, "gpucert-devel-check: result 25188352\n"};
  d.expected = "25188352";
  d.result = "25188352";
  d.message = "nvcc compiled the program and its kernel summed to 25188352, as expected";
  return d;
}

}  // namespace gpucert::flavor_fixtures

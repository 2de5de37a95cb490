#include "launch_spec.hpp"

namespace gpucert::runtime {

LaunchSpec native_launch(const std::string& worker_path) {
  LaunchSpec spec;
  spec.argv = {worker_path};
  // Multicast over NVLink can take a shared host's GPUs down; gpucert never asks for it.
  spec.set_env["NCCL_NVLS_ENABLE"] = "0";
  return spec;
}

}  // namespace gpucert::runtime

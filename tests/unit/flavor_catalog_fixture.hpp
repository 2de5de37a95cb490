// A small flavour catalogue of the tests' own (not a test file itself: the glob takes test_*.cpp only), so
// the tests do not move when images/flavors.json does.
#pragma once

#include <gtest/gtest.h>

#include "core/flavors.hpp"

namespace gpucert::flavor_fixtures {

inline constexpr const char* kCatalogText = R"({
  "schema_version": 1,
  "cuda_majors": {
    "13": {"libraries": {"cudart": "libcudart.so.13", "cublas": "libcublas.so.13", "cublasLt": "libcublasLt.so.13",
                         "nccl": "libnccl.so.2", "cudnn": "libcudnn.so.9", "cudnn_graph": "libcudnn_graph.so.9",
                         "cuda_driver": "libcuda.so.1"},
           "lacks": ["cudnn_ops_infer"]},
    "12": {"libraries": {"cudart": "libcudart.so.12", "cublas": "libcublas.so.12", "cublasLt": "libcublasLt.so.12",
                         "nccl": "libnccl.so.2", "cudnn": "libcudnn.so.9", "cudnn_graph": "libcudnn_graph.so.9",
                         "cuda_driver": "libcuda.so.1"},
           "lacks": ["cudnn_ops_infer"]},
    "11": {"libraries": {"cudart": "libcudart.so.11.0", "cublas": "libcublas.so.11", "cublasLt": "libcublasLt.so.11",
                         "nccl": "libnccl.so.2", "cudnn": "libcudnn.so.8", "cudnn_ops_infer": "libcudnn_ops_infer.so.8",
                         "cuda_driver": "libcuda.so.1"},
           "lacks": ["cudnn_graph"], "require_cuda_driver_branches": [470], "require_cuda_tesla_driver_branches": [450]}
  },
  "never_shipped": ["cuda_driver"],
  "flavors": {
    "base": {"inherits": null, "must_load": ["cudart"], "must_be_absent": ["cublas", "cublasLt", "nccl", "cudnn"],
             "tools": [], "size_budget_bytes": 500000000,
             "environment": {"CUDA_VERSION": "{major}.*", "NVIDIA_REQUIRE_CUDA": "cuda>={major}.*",
                             "NVIDIA_DRIVER_CAPABILITIES": "compute,utility"}},
    "runtime": {"inherits": "base", "must_load": ["cublas", "cublasLt", "nccl"], "size_budget_bytes": 4000000000},
    "runtime-cudnn": {"inherits": "runtime", "must_load": ["cudnn", "cudnn_graph", "cudnn_ops_infer"],
                      "labels": {"com.nvidia.cudnn.version": "{so_version:cudnn}.*"}},
    "devel": {"inherits": "runtime",
              "tools": [{"name": "nvcc", "path": "/usr/local/cuda/bin/nvcc"},
                        {"name": "cuda_runtime.h", "path": "/usr/local/cuda/include/cuda_runtime.h"}],
              "size_budget_bytes": 10000000000}
  }
})";

inline FlavorCatalog catalog() {
  auto c = parse_flavor_catalog(kCatalogText, "test-flavors.json");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().describe());
  return *c;
}

}  // namespace gpucert::flavor_fixtures

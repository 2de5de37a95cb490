// "kernels/gemm/matmul.cpp" rather than the build machine's absolute path, in error messages.
#pragma once

#include <string>

namespace gpucert::kernels {

inline std::string source_path(const char* file) {
  std::string path = file;
  if (auto pos = path.rfind("/kernels/"); pos != std::string::npos) return path.substr(pos + 1);
  return path;
}

}  // namespace gpucert::kernels

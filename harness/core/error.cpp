#include "error.hpp"

#include <cstring>

namespace gpucert {

std::string Error::describe() const {
  std::string out = message;
  if (!where.empty() || !host.empty()) {
    out += " (";
    if (!where.empty()) out += "at " + where;
    if (!where.empty() && !host.empty()) out += " ";
    if (!host.empty()) out += "on " + host;
    out += ")";
  }
  return out;
}

Error make_error(std::string message, const char* file, int line) {
  // Keep only the path below the source tree: "harness/core/suite.cpp:12", not the build machine's home.
  std::string path = file;
  for (const char* root : {"/harness/", "/kernels/", "/reports/"}) {
    if (auto pos = path.rfind(root); pos != std::string::npos) {
      path = path.substr(pos + 1);
      break;
    }
  }
  return Error{std::move(message), path + ":" + std::to_string(line), {}};
}

}  // namespace gpucert

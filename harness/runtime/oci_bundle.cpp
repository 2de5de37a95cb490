// Writing a bundle's config.json: the one file operation of the oci runtime.
#include <cstdio>
#include <fstream>

#include "oci_config.hpp"

namespace gpucert::runtime {

Status write_oci_config(const std::string& bundle_dir, const nlohmann::json& config) {
  const auto path = bundle_dir + "/config.json";
  const auto temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << config.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    out.flush();
    if (!out) return GPUCERT_ERROR("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return GPUCERT_ERROR("cannot move " + temporary + " to " + path);
  }
  return ok_status();
}

}  // namespace gpucert::runtime

#include "thresholds_file.hpp"

#include <fstream>
#include <sstream>

namespace gpucert::cli {

Outcome<Thresholds> load_thresholds(const std::string& path) {
  if (path.empty()) return embedded_thresholds();
  std::ifstream in(path, std::ios::binary);
  if (!in) return GPUCERT_ERROR("cannot read the thresholds file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_thresholds(text.str(), path);
}

}  // namespace gpucert::cli

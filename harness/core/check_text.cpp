#include "check_text.hpp"

#include <cstdio>

namespace gpucert::check_text {

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string rank_subject(int rank) { return "rank " + std::to_string(rank); }

}  // namespace gpucert::check_text

#include "compat.hpp"

namespace gpucert {

std::string minimum_driver_for_cuda_major(int cuda_major) {
  switch (cuda_major) {
    case 13: return "580";
    case 12: return "525.60.13";
    case 11: return "450.80.02";
    default: return {};
  }
}

}  // namespace gpucert

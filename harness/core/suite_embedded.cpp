#include <string_view>

#include "suite.hpp"

namespace gpucert {
namespace embedded {
extern const std::string_view quick_suite_text;  // generated from suites/quick.json at build time
}

std::string_view embedded_quick_suite() { return embedded::quick_suite_text; }

}  // namespace gpucert

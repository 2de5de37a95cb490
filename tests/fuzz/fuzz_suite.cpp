// libFuzzer: any bytes as a suite file. parse_suite must return a value (a suite or an error naming the
// problem), never throw, crash or allocate without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/suite.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto suite = gpucert::parse_suite(text, "fuzz.json");
  if (suite.ok()) (void)suite->document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}

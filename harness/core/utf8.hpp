// Bytes from outside (a worker's reply and stderr, a suite, an environment variable) may be any bytes; JSON text
// must be UTF-8. Every boundary where such bytes become JSON passes them through here, so one bad byte costs one
// U+FFFD, never the run (docs/RELIABILITY.md).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace gpucert {

// `text` with each byte that does not belong to a well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF) replaced by U+FFFD.
std::string valid_utf8(std::string_view text);
[[nodiscard]] bool is_valid_utf8(std::string_view text);

// j.dump(indent), with invalid UTF-8 in its strings written as U+FFFD instead of thrown (nlohmann's type_error.316).
std::string dump_json(const nlohmann::json& j, int indent = -1);

}  // namespace gpucert

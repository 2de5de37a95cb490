// One protocol line at a time, bounded: a line longer than the limit is read to its end and dropped, never held
// whole in memory (docs/RELIABILITY.md).
#pragma once

#include <cstddef>
#include <istream>
#include <string>

namespace gpucert {

enum class LineRead { Line, TooLong, End };

// The next line of `in` (without its newline) into `line`; TooLong when it holds more than `limit` bytes (then
// `line` holds its first `limit`); End at the end of the stream with nothing read.
LineRead read_bounded_line(std::istream& in, std::string& line, std::size_t limit);

}  // namespace gpucert

#include "line_reader.hpp"

namespace gpucert {

LineRead read_bounded_line(std::istream& in, std::string& line, std::size_t limit) {
  line.clear();
  bool any = false, too_long = false;
  for (std::streambuf* buffer = in.rdbuf();;) {
    const auto c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      if (!any) return LineRead::End;
      break;
    }
    any = true;
    if (c == '\n') break;
    if (line.size() < limit)
      line += static_cast<char>(c);
    else
      too_long = true;
  }
  return too_long ? LineRead::TooLong : LineRead::Line;
}

}  // namespace gpucert

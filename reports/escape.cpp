#include "escape.hpp"

#include <cstdint>
#include <cstdio>

namespace gpucert::reports {
namespace {

enum class Target { XmlText, XmlAttribute, Html };

// Length of the valid UTF-8 sequence at the start of `s`, or 0 when it is not one (overlong forms,
// surrogates and code points past U+10FFFF are not).
std::size_t utf8_sequence(std::string_view s, char32_t& code_point) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  std::size_t length = 0;
  char32_t cp = 0, minimum = 0;
  if (b0 < 0x80) {
    code_point = b0;
    return 1;
  }
  if ((b0 & 0xE0) == 0xC0) {
    length = 2;
    cp = b0 & 0x1F;
    minimum = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3;
    cp = b0 & 0x0F;
    minimum = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4;
    cp = b0 & 0x07;
    minimum = 0x10000;
  } else
    return 0;
  if (s.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  code_point = cp;
  return length;
}

// Text that needs no escaping in any target: printable ASCII other than & < > " '. Nearly every string of a
// report is (ids, host names, figures), and junit.xml at cluster scale has millions of them.
bool plain(std::string_view text) {
  for (const char c : text)
    if (c < 0x20 || c >= 0x7f || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'') return false;
  return true;
}

void append_escaped(std::string& out, std::string_view text, Target target) {
  if (plain(text)) {
    out.append(text);
    return;
  }
  if (out.empty()) out.reserve(text.size() + text.size() / 8);
  while (!text.empty()) {
    char32_t cp = 0;
    const std::size_t n = utf8_sequence(text, cp);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      text.remove_prefix(1);
      continue;
    }
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\n':
        out += target == Target::XmlAttribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += target == Target::XmlAttribute ? "&#13;" : "\r";
        break;
      case '\t':
        out += target == Target::XmlAttribute ? "&#9;" : "\t";
        break;
      default:
        // C0 controls are not allowed in XML 1.0 at all, not even as references; U+FFFE and U+FFFF neither.
        if (cp < 0x20 || cp == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
          out += buf;
        } else if (cp == 0xFFFE || cp == 0xFFFF) {
          out += "\xEF\xBF\xBD";
        } else {
          out.append(text.substr(0, n));
        }
    }
    text.remove_prefix(n);
  }
}

std::string escape(std::string_view text, Target target) {
  std::string out;
  append_escaped(out, text, target);
  return out;
}

}  // namespace

std::string xml_text(std::string_view text) { return escape(text, Target::XmlText); }
std::string xml_attribute(std::string_view text) { return escape(text, Target::XmlAttribute); }
std::string html_escape(std::string_view text) { return escape(text, Target::Html); }
void append_xml_text(std::string& out, std::string_view text) { append_escaped(out, text, Target::XmlText); }
void append_xml_attribute(std::string& out, std::string_view text) { append_escaped(out, text, Target::XmlAttribute); }

}  // namespace gpucert::reports

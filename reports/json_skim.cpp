#include "json_skim.hpp"

namespace gpucert::reports {

void JsonSkim::feed(std::string_view piece) {
  for (std::size_t i = 0; i < piece.size(); ++i) {
    // Inside a dropped value, jump to the next character that can change the state: that is most of the file.
    if (skipping_ && !escaped_) {
      const auto next = piece.find_first_of(in_string_ ? std::string_view("\"\\") : std::string_view("\"{}[],"), i);
      if (next == std::string_view::npos) return;
      i = next;
    }
    const char c = piece[i];
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
        key_done_ = in_key_;
        in_key_ = false;
      } else if (in_key_) {
        key_ += c;
      }
      if (!skipping_) kept_ += c;
      continue;
    }
    switch (c) {
      case '"':
        in_string_ = true;
        if (depth_ == 1 && at_key_ && !skipping_) {
          in_key_ = true;
          key_.clear();
          at_key_ = false;
        }
        break;
      case '{':
      case '[':
        ++depth_;
        if (depth_ == 1 && c == '{') at_key_ = true;
        break;
      case '}':
      case ']':
        --depth_;
        if (depth_ == 0) skipping_ = false;  // the object itself closes: the dropped value ended before it
        break;
      case ',':
        if (depth_ == 1) {
          at_key_ = true;
          skipping_ = false;
        }
        break;
      case ':':
        if (depth_ == 1 && key_done_) {
          key_done_ = false;
          if (dropped_.contains(key_)) {
            kept_ += ": null";
            skipping_ = true;
            continue;
          }
        }
        break;
      default:
        break;
    }
    if (!skipping_) kept_ += c;
  }
}

}  // namespace gpucert::reports

// The top level of a large JSON object without some of its values, read block by block. report.json is mostly
// its results table (gigabytes at cluster scale); re-rendering a folder needs only its suite, build and times.
// Lexing the tables as JSON only to drop them was a sixth of a re-rendering, and reading the file whole capped
// it at 1 GiB: the skim tracks nothing but strings and nesting, and keeps the rest as text for a JSON parser.
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace gpucert::reports {

class JsonSkim {
 public:
  // The values of these top-level keys become null.
  explicit JsonSkim(std::set<std::string, std::less<>> dropped) : dropped_(std::move(dropped)) {}
  // The next piece of the text; pieces may split it anywhere.
  void feed(std::string_view piece);
  // The text with the dropped values replaced. Malformed input stays malformed for the parser to refuse.
  [[nodiscard]] const std::string& kept() const { return kept_; }

 private:
  std::set<std::string, std::less<>> dropped_;
  std::string kept_;
  int depth_ = 0;  // of the text read so far, counting both objects and arrays
  bool in_string_ = false;
  bool escaped_ = false;   // the previous character in a string was a backslash
  bool at_key_ = false;    // at depth 1, the next string is a key
  bool in_key_ = false;    // reading a top-level key
  std::string key_;        // the last top-level key, as written
  bool key_done_ = false;  // after a top-level key, before its value
  bool skipping_ = false;  // inside a dropped value
};

}  // namespace gpucert::reports

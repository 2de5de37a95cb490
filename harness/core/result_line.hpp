// A result record as one line of results.jsonl or report.json, written and read without building nlohmann's
// tree of it: a cluster's log holds millions of records, and that tree (a map node and a string per field) was
// most of the time of `gpucert report` at 8192 ranks (docs/PERFORMANCE.md, "The report at cluster scale").
//
// Both are exact, not approximations, and the unit tests hold them to it (tests/unit/test_result_line.cpp,
// and the results fuzzer):
//  - append_result_line writes the bytes of to_json(r).dump() with error_handler_t::replace, key for key.
//  - read_result_line reads what result_from_json reads from the same line, for the lines gpucert writes:
//    plain ASCII text, strings without escapes, every known field once. For any other line it returns
//    nullopt, and the caller reads it with result_from_json, which also says what is wrong with it. It never
//    accepts a line result_from_json refuses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "result.hpp"

namespace gpucert {

// Appends the record's line, without a newline.
void append_result_line(std::string& out, const ResultRecord& r);

std::optional<ResultRecord> read_result_line(std::string_view line);

}  // namespace gpucert

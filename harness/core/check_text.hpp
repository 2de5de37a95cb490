// Small pieces of text that the checks' evidence and subjects share (conformance.cpp, flavor_checks.cpp), so
// that every check writes a number or a rank the same way. Internal to gpucert_core.
#pragma once

#include <string>

namespace gpucert::check_text {

// `value` with `decimals` digits after the point: fixed(1.23456, 3) == "1.235".
std::string fixed(double value, int decimals);
// A check's subject for one rank: "rank 3".
std::string rank_subject(int rank);

}  // namespace gpucert::check_text

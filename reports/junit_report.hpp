// junit.xml: the run as CI systems read it (Jenkins, GitLab, GitHub test reporters). One <testsuite> per
// environment; in it one <testcase> per conformance check (classname: the environment) and per measurement
// result (classname: the workload). Failures carry the evidence, the diagnosis and the fix; waived checks and
// unavailable or waived results are <skipped> with their reason. Every outside string is escaped.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/run_record.hpp"

namespace gpucert::reports {

// The file in pieces, in order, each handed to `write`, which returns false to stop (a write that failed): a
// cluster's junit.xml is hundreds of megabytes, never one string. Returns false when `write` did.
bool render_junit(const RunRecord& run, const std::function<bool(std::string_view)>& write);

// The whole file as one string.
std::string render_junit(const RunRecord& run);

}  // namespace gpucert::reports

// junit.xml: the run as CI systems read it (Jenkins, GitLab, GitHub test reporters). One <testsuite> per
// environment; in it one <testcase> per conformance check (classname: the environment) and per measurement
// result (classname: the workload). Failures carry the evidence, the diagnosis and the fix; waived checks and
// unavailable or waived results are <skipped> with their reason. Every outside string is escaped.
#pragma once

#include <string>

#include "core/run_record.hpp"

namespace gpucert::reports {

std::string render_junit(const RunRecord& run);

}  // namespace gpucert::reports

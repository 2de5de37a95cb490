// report.md: the run in a form a person reads in ten seconds: the verdict, the conformance checks per
// environment (and those that did not pass, with evidence, diagnosis and fix), the machines and container
// environments, a table of results (where each ran; busbw for NCCL), container/native parity, and for every
// problem its diagnosis and fix. A run without checks or containers leaves those sections out.
#pragma once

#include <string>

#include "core/run_record.hpp"

namespace gpucert::reports {

std::string render_markdown(const RunRecord& run);

// Text for one Markdown table cell or line: pipes and the characters that start markup (`*<>[]&\) escaped, line
// breaks folded, so outside text can neither break rows nor inject emphasis, links or HTML.
std::string markdown_cell(const std::string& text);

}  // namespace gpucert::reports

// report.md: the run in a form a person reads in ten seconds: the verdict, the machines, a table of
// results, and for every problem its diagnosis and fix.
#pragma once

#include <string>

#include "core/run_record.hpp"

namespace gpucert::reports {

std::string render_markdown(const RunRecord& run);

// Text for one Markdown table cell: pipes escaped, line breaks folded, so outside text cannot break rows.
std::string markdown_cell(const std::string& text);

}  // namespace gpucert::reports

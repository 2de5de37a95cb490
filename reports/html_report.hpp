// report.html: one self-contained file for a person with a browser or a printer: the verdict, the
// conformance matrix, the GPUs, SVG charts of the figures, every result, and the doctor's diagnoses. No
// script, no external stylesheet, font or image: it opens the same on an air-gapped laptop as in CI.
#pragma once

#include <string>

#include "core/run_record.hpp"

namespace gpucert::reports {

std::string render_html(const RunRecord& run);

}  // namespace gpucert::reports

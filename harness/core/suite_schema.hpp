// The JSON schema of a suite file (suites/suite.schema.json): generated from the workload registry, so that
// it names exactly the workloads and fields gpucert accepts. `gpucert list --schema` prints it.
#pragma once

#include <nlohmann/json.hpp>

namespace gpucert {

nlohmann::json suite_schema();

}  // namespace gpucert

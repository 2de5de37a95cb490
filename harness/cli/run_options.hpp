// The options of `gpucert run` as run.json keeps them, and back: `gpucert run --resume DIR` alone continues the
// run with the options it was started with; an option given beside --resume must agree with them (resume.hpp
// names what differs).
#pragma once

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "core/error.hpp"

namespace gpucert::cli {

nlohmann::json to_json(const RunArgs& args);
// Takes every option of `stored` that was not given on this command line (args.given). Unknown keys are ignored;
// one of the wrong type is an error naming it.
Status take_stored_options(const nlohmann::json& stored, RunArgs& args);

}  // namespace gpucert::cli

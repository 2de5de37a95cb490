#include "conv_params.hpp"

#include <stdexcept>
#include <string>

namespace gpucert::kernels::conv {
namespace {

std::int64_t whole(const nlohmann::json& params, const char* key, std::int64_t fallback, std::int64_t min) {
  const auto it = params.find(key);
  if (it == params.end()) {
    if (fallback < min) throw std::invalid_argument(std::string("conv: params.") + key + " is missing");
    return fallback;
  }
  if (!it->is_number_integer() || it->get<std::int64_t>() < min)
    throw std::invalid_argument(std::string("conv: params.") + key +
                                " must be a whole number >= " + std::to_string(min) + ", got " + it->dump());
  return it->get<std::int64_t>();
}

}  // namespace

ConvProblem parse_conv_params(const nlohmann::json& params) {
  if (!params.is_object()) throw std::invalid_argument("conv: params must be an object");
  ConvProblem problem;
  const auto precision = params.value("precision", std::string{});
  if (precision == "fp32")
    problem.precision = ConvPrecision::Fp32;
  else if (precision == "tf32")
    problem.precision = ConvPrecision::Tf32;
  else if (precision == "fp16")
    problem.precision = ConvPrecision::Fp16;
  else if (precision == "bf16")
    problem.precision = ConvPrecision::Bf16;
  else
    throw std::invalid_argument("conv: unknown precision '" + precision + "' (expected fp32, tf32, fp16 or bf16)");
  if (const auto it = params.find("direction"); it != params.end()) {  // absent: forward, as before directions
    const std::string direction = it->is_string() ? "'" + it->get<std::string>() + "'" : it->dump();
    if (direction == "'forward'")
      problem.direction = ConvDirection::Forward;
    else if (direction == "'backward_data'")
      problem.direction = ConvDirection::BackwardData;
    else if (direction == "'backward_filter'")
      problem.direction = ConvDirection::BackwardFilter;
    else
      throw std::invalid_argument("conv: unknown direction " + direction +
                                  " (expected forward, backward_data or backward_filter)");
  }
  constexpr std::int64_t kRequired = -1;  // a fallback below every minimum: the field must be given
  problem.n = whole(params, "n", kRequired, 1);
  problem.c = whole(params, "c", kRequired, 1);
  problem.h = whole(params, "h", kRequired, 1);
  problem.w = whole(params, "w", kRequired, 1);
  problem.k = whole(params, "k", kRequired, 1);
  problem.r = whole(params, "r", kRequired, 1);
  problem.s = whole(params, "s", kRequired, 1);
  problem.pad = whole(params, "pad", 0, 0);
  problem.stride = whole(params, "stride", 1, 1);
  problem.dilation = whole(params, "dilation", 1, 1);
  if (problem.p() < 1 || problem.q() < 1)
    throw std::invalid_argument("conv: the output is empty (P=" + std::to_string(problem.p()) + ", Q=" +
                                std::to_string(problem.q()) + "): the dilated filter is larger than the padded input");
  return problem;
}

}  // namespace gpucert::kernels::conv

#include "run_plan.hpp"

#include <array>
#include <tuple>

namespace gpucert::kernels::nccl {
namespace {

constexpr std::array<std::tuple<const char*, Element, ncclDataType_t>, 5> kTypes{{
    {"fp32", Element::F32, ncclFloat32},
    {"fp16", Element::F16, ncclFloat16},
    {"bf16", Element::BF16, ncclBfloat16},
    {"fp64", Element::F64, ncclFloat64},
    {"int32", Element::I32, ncclInt32},
}};

constexpr std::array<std::tuple<const char*, Op, ncclRedOp_t>, 5> kOps{{
    {"sum", Op::Sum, ncclSum},
    {"prod", Op::Prod, ncclProd},
    {"max", Op::Max, ncclMax},
    {"min", Op::Min, ncclMin},
    {"avg", Op::Avg, ncclAvg},
}};

template <typename T>
Outcome<T> param(const nlohmann::json& params, const char* key, T fallback) {
  auto it = params.find(key);
  if (it == params.end()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return GPUCERT_ERROR(std::string("nccl: parameter '") + key + "' has the wrong type: " + it->dump());
  }
}

}  // namespace

Outcome<RunPlan> read_plan(const nlohmann::json& params) {
  auto collective = param<std::string>(params, "collective", "");
  auto precision = param<std::string>(params, "precision", "");
  auto reduction = param<std::string>(params, "reduction", "sum");
  auto bytes = param<std::uint64_t>(params, "bytes", 0);
  auto in_place = param<bool>(params, "in_place", false);
  auto graph = param<bool>(params, "graph", false);
  auto iterations = param<int>(params, "iterations", 20);
  auto root = param<int>(params, "root", 0);
  for (const Error* e : {collective ? nullptr : &collective.error(), precision ? nullptr : &precision.error(),
                         reduction ? nullptr : &reduction.error(), bytes ? nullptr : &bytes.error(),
                         in_place ? nullptr : &in_place.error(), graph ? nullptr : &graph.error(),
                         iterations ? nullptr : &iterations.error(), root ? nullptr : &root.error()})
    if (e) return *e;

  RunPlan plan;
  const auto c = parse_collective(*collective);
  if (!c) return GPUCERT_ERROR("nccl: unknown collective '" + *collective + "'");
  plan.collective = *c;
  bool known_type = false;
  for (const auto& [name, element, type] : kTypes)
    if (*precision == name) {
      plan.element = element;
      plan.type = type;
      known_type = true;
    }
  if (!known_type) return GPUCERT_ERROR("nccl: unknown precision '" + *precision + "'");
  plan.precision = *precision;
  plan.type_bytes = *nccl_element_bytes(plan.precision);
  if (is_reducing(plan.collective)) {
    bool known_op = false;
    for (const auto& [name, op, nccl_op] : kOps)
      if (*reduction == name) {
        plan.op = op;
        plan.nccl_op = nccl_op;
        known_op = true;
      }
    if (!known_op) return GPUCERT_ERROR("nccl: unknown reduction '" + *reduction + "'");
    plan.reduction = *reduction;
  }
  if (*bytes == 0) return GPUCERT_ERROR("nccl: parameter 'bytes' must be a positive size");
  if (*in_place && !has_in_place(plan.collective))
    return GPUCERT_ERROR("nccl: " + *collective + " has no in-place form");
  if (*iterations < 1) return GPUCERT_ERROR("nccl: parameter 'iterations' must be at least 1");
  if (*root < 0) return GPUCERT_ERROR("nccl: parameter 'root' must be a rank");
  plan.bytes = *bytes;
  plan.in_place = *in_place;
  plan.graph = *graph;
  plan.iterations = *iterations;
  plan.root = *root;
  if (const auto split = params.find("communicator"); split != params.end()) {
    if (!split->is_object()) return GPUCERT_ERROR("nccl: parameter 'communicator' must be an object");
    auto name = param<std::string>(*split, "name", "");
    auto color = param<int>(*split, "color", -1);
    auto key = param<int>(*split, "key", 0);
    auto nranks = param<int>(*split, "nranks", 0);
    auto waived = param<std::string>(*split, "waived", "");
    for (const Error* e :
         {name ? nullptr : &name.error(), color ? nullptr : &color.error(), key ? nullptr : &key.error(),
          nranks ? nullptr : &nranks.error(), waived ? nullptr : &waived.error()})
      if (e) return *e;
    if (name->empty()) return GPUCERT_ERROR("nccl: parameter 'communicator' has no name");
    if (*color >= 0 && *nranks < 1)
      return GPUCERT_ERROR("nccl: parameter 'communicator' of a member must say its size (nranks >= 1)");
    plan.split = SplitRequest{*name, *color, *key, *nranks, *waived};
  }
  return plan;
}

}  // namespace gpucert::kernels::nccl

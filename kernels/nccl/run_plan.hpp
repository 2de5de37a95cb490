// One nccl run request's parameters (core/workloads/nccl_spec.cpp writes them), read and mapped to NCCL's
// types. Refusals name the parameter: a plan from another gpucert version must fail plainly.
#pragma once

#include <cstdint>
#include <string>

#include <nccl.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/nccl_bandwidth.hpp"
#include "data.hpp"

namespace gpucert::kernels::nccl {

struct RunPlan {
  Collective collective = Collective::AllReduce;
  std::string precision;
  Element element = Element::F32;
  ncclDataType_t type = ncclFloat32;
  std::uint64_t type_bytes = 4;
  std::string reduction;  // empty unless the collective reduces
  Op op = Op::None;
  ncclRedOp_t nccl_op = ncclSum;
  std::uint64_t bytes = 0;  // the sweep size (nccl_bandwidth.hpp splits it per collective)
  bool in_place = false;
  bool graph = false;
  int iterations = 1;
  int root = 0;
};

Outcome<RunPlan> read_plan(const nlohmann::json& params);

}  // namespace gpucert::kernels::nccl

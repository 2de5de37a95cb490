// One nccl run request's parameters (nccl/spec.cpp writes them), read and mapped to NCCL's
// types. Refusals name the parameter: a plan from another gpucert version must fail plainly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nccl.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/nccl_bandwidth.hpp"
#include "data.hpp"

namespace gpucert::kernels::nccl {

// The communicator a split measurement runs on (core/nccl_split.hpp; the coordinator writes it per rank): made
// once per name by ncclCommSplit from the run's communicator, with this rank's color (negative: not a member,
// the measurement is waived for `waived`) and key.
struct SplitRequest {
  std::string name;
  int color = -1;
  int key = 0;
  int nranks = 0;  // the size the coordinator expects
  std::string waived;
};

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
  std::optional<SplitRequest> split;  // absent: the run's communicator
};

Outcome<RunPlan> read_plan(const nlohmann::json& params);

}  // namespace gpucert::kernels::nccl

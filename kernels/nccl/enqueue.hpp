// One collective on the stream, as nccl-tests issues it (its *RunColl functions): alltoall and sendrecv are
// grouped ncclSend/ncclRecv pairs, so they also run on NCCL versions without ncclAlltoAll.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include "communicator.hpp"
#include "run_plan.hpp"

namespace gpucert::kernels::nccl {

// `count` is NCCL's count argument (CollectiveCounts::count): per rank for all_gather and reduce_scatter,
// per peer for alltoall.
void enqueue_collective(const RunPlan& plan, std::uint64_t count, const void* send, void* recv, Communicator& comm,
                        cudaStream_t stream);

}  // namespace gpucert::kernels::nccl

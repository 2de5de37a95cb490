// NCCL errors inside the plugin become exceptions carrying the call, NCCL's name for the result, its own
// last-error text (which says what actually failed: "Cuda failure 'out of memory'", "socket timeout") and
// the source line; plugin_glue turns them into an "error" reply.
#pragma once

#include <stdexcept>
#include <string>

#include <nccl.h>

namespace gpucert::kernels::nccl {

class NcclFailure : public std::runtime_error {
 public:
  NcclFailure(ncclResult_t result, const char* call, ncclComm_t comm, const char* file, int line);
};

// The text of a failed call: "ncclCommInitRankConfig: unhandled cuda error (1): Cuda failure '...'".
std::string describe_failure(ncclResult_t result, const char* call, ncclComm_t comm);

}  // namespace gpucert::kernels::nccl

// For calls that never return ncclInProgress (ncclGetUniqueId, ncclGetVersion); communicator calls go through
// Communicator::check, which waits out ncclInProgress.
#define GPUCERT_NCCL_TRY(call)                                                                               \
  do {                                                                                                       \
    const ncclResult_t gpucert_nccl_result_ = (call);                                                        \
    if (gpucert_nccl_result_ != ncclSuccess)                                                                 \
      throw ::gpucert::kernels::nccl::NcclFailure(gpucert_nccl_result_, #call, nullptr, __FILE__, __LINE__); \
  } while (0)

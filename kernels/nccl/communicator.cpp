#include "communicator.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/cuda_check.hpp"
#include "nccl_check.hpp"

namespace gpucert::kernels::nccl {
namespace {

// Spin politely for the first few milliseconds (a collective's completion is noticed at once), then sleep:
// a rank waiting minutes for a dead peer should not burn a core.
class Backoff {
 public:
  void pause() {
    if (++polls_ < 20000) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

 private:
  long polls_ = 0;
};

std::string seconds_text(std::chrono::seconds s) { return std::to_string(s.count()) + " s"; }

}  // namespace

Communicator& Communicator::instance() {
  // Never destroyed: at process exit the CUDA runtime may already be gone, and NCCL's resources go with
  // the process anyway.
  static auto* communicator = new Communicator();
  return *communicator;
}

std::chrono::steady_clock::time_point Communicator::deadline() const {
  return std::chrono::steady_clock::now() + timeout_;
}

void Communicator::abort(const std::string& why) {
  if (comm_) ncclCommAbort(comm_);
  comm_ = nullptr;
  absent_reason_ = "the NCCL communicator was aborted: " + why;
  throw std::runtime_error(why);
}

ncclResult_t Communicator::state(const char* what) {
  ncclResult_t async = ncclSuccess;
  const ncclResult_t queried = ncclCommGetAsyncError(comm_, &async);
  if (queried != ncclSuccess) abort(describe_failure(queried, "ncclCommGetAsyncError", comm_));
  if (async != ncclSuccess && async != ncclInProgress)
    abort(std::string("NCCL failed during ") + what + ": " + describe_failure(async, "ncclCommGetAsyncError", comm_));
  return async;
}

void Communicator::init(const ncclUniqueId& id, int rank, int nranks, int device, std::chrono::seconds timeout) {
  try {
    join(id, rank, nranks, device, timeout);
  } catch (const std::exception& e) {
    absent_reason_ = std::string("nccl_init failed: ") + e.what();
    throw;
  }
}

void Communicator::join(const ncclUniqueId& id, int rank, int nranks, int device, std::chrono::seconds timeout) {
  if (comm_) {
    ncclCommAbort(comm_);
    comm_ = nullptr;
  }
  rank_ = rank;
  nranks_ = nranks;
  device_ = device;
  timeout_ = timeout;
  GPUCERT_CUDA_TRY(cudaSetDevice(device));
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  // Non-blocking, so that every wait can have a deadline and a hung peer ends in ncclCommAbort.
  // GPUCERT_NCCL_BLOCKING=1 makes it blocking (no deadline inside NCCL calls), to measure what the
  // non-blocking mode costs small messages.
  const char* blocking = std::getenv("GPUCERT_NCCL_BLOCKING");
  config.blocking = blocking && std::string(blocking) == "1" ? 1 : 0;
  ncclComm_t comm = nullptr;
  const ncclResult_t result = ncclCommInitRankConfig(&comm, nranks, id, rank, &config);
  if (result != ncclSuccess && result != ncclInProgress) {
    const auto why = describe_failure(result, "ncclCommInitRankConfig", comm);
    if (comm) ncclCommAbort(comm);
    throw std::runtime_error(why);
  }
  comm_ = comm;
  const auto until = deadline();
  Backoff backoff;
  while (state("communicator set-up") == ncclInProgress) {
    if (std::chrono::steady_clock::now() > until)
      abort("ncclCommInitRankConfig: the communicator of " + std::to_string(nranks) + " ranks was not complete within " +
            seconds_text(timeout_) + " (a rank did not join: dead, hung, or unreachable over the network)");
    backoff.pause();
  }
  absent_reason_.clear();
}

void Communicator::check(ncclResult_t result, const char* call) {
  if (result == ncclInProgress) return settle(call);
  if (result != ncclSuccess) {
    const auto why = describe_failure(result, call, comm_);
    abort(why);
  }
}

void Communicator::settle(const char* what) {
  const auto until = deadline();
  Backoff backoff;
  while (state(what) == ncclInProgress) {
    if (std::chrono::steady_clock::now() > until)
      abort(std::string(what) + " made no progress within " + seconds_text(timeout_) +
            " (another rank died or hangs); communicator aborted");
    backoff.pause();
  }
}

void Communicator::wait(cudaEvent_t event, const char* what) {
  const auto until = deadline();
  Backoff backoff;
  for (;;) {
    const cudaError_t done = cudaEventQuery(event);
    if (done == cudaSuccess) return;
    if (done != cudaErrorNotReady) throw CudaFailure(done, "cudaEventQuery", __FILE__, __LINE__);
    state(what);
    if (std::chrono::steady_clock::now() > until)
      abort(std::string(what) + " did not complete within " + seconds_text(timeout_) +
            " (another rank died or hangs); communicator aborted");
    backoff.pause();
  }
}

}  // namespace gpucert::kernels::nccl

// The worker's one NCCL communicator, made by nccl_init and used by every later nccl run of that worker.
// It is non-blocking (ncclConfig_t.blocking = 0): no NCCL call ever waits on another rank inside NCCL, so
// every wait happens here, against a deadline. A rank that died or hangs then shows as "no progress within
// N s": this rank aborts its communicator (ncclCommAbort, which also stops its kernels) and says so,
// instead of hanging the job.
#pragma once

#include <chrono>
#include <string>

#include <cuda_runtime_api.h>
#include <nccl.h>

namespace gpucert::kernels::nccl {

class Communicator {
 public:
  static Communicator& instance();

  // Joins the communicator of `nranks` ranks as `rank` on `device`, waiting at most `timeout` for the
  // others; replaces (aborts) any earlier one. Throws NcclFailure, CudaFailure or std::runtime_error.
  void init(const ncclUniqueId& id, int rank, int nranks, int device, std::chrono::seconds timeout);

  [[nodiscard]] bool ready() const { return comm_ != nullptr; }
  // Why there is no communicator: never made, or aborted (and why).
  [[nodiscard]] const std::string& absent_reason() const { return absent_reason_; }
  [[nodiscard]] ncclComm_t get() const { return comm_; }
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int nranks() const { return nranks_; }
  [[nodiscard]] int device() const { return device_; }
  [[nodiscard]] std::chrono::seconds timeout() const { return timeout_; }

  // The result of a call on this communicator: ncclInProgress is waited out (settle), anything else but
  // ncclSuccess throws.
  void check(ncclResult_t result, const char* call);
  // Waits while the communicator's state is ncclInProgress (a non-blocking call still at work).
  void settle(const char* what);
  // Waits for `event`, recorded after NCCL work on a stream, watching the communicator for errors.
  void wait(cudaEvent_t event, const char* what);

 private:
  Communicator() = default;
  void join(const ncclUniqueId& id, int rank, int nranks, int device, std::chrono::seconds timeout);
  // Aborts the communicator, remembers why, and throws std::runtime_error with `why`.
  [[noreturn]] void abort(const std::string& why);
  [[nodiscard]] std::chrono::steady_clock::time_point deadline() const;
  // Throws (after aborting) when the communicator reports an asynchronous error; returns its state.
  ncclResult_t state(const char* what);

  ncclComm_t comm_ = nullptr;
  int rank_ = 0, nranks_ = 0, device_ = 0;
  std::chrono::seconds timeout_{300};
  std::string absent_reason_ = "this worker has no NCCL communicator: the coordinator did not send nccl_init";
};

}  // namespace gpucert::kernels::nccl

// The worker's NCCL communicator over all ranks, made by nccl_init and used by every later nccl run of that
// worker, and the communicators split from it per node or node pair.
// A rank that died or hangs must never hang the job: every batch of NCCL work (the set-up, the calls of a
// measurement and the wait for their completion) runs under a deadline, and when it passes (or NCCL reports
// an asynchronous error) the communicator is aborted (ncclCommAbort, which also stops its kernels) and the
// run says "... made no progress within N s on rank R" instead of hanging.
//
// By default the communicator is blocking, as in nccl-tests, and the deadline is kept by a watchdog thread
// (watchdog.hpp) that calls ncclCommAbort itself: NCCL's abort flag is what makes a blocking call stuck on a
// dead peer return. Non-blocking (GPUCERT_NCCL_NONBLOCKING=1) keeps every wait on this thread instead, but
// NCCL then runs each call on a thread of its own and small collectives cost about 30 us more (the figures
// are in docs/PERFORMANCE.md).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <cuda_runtime_api.h>
#include <nccl.h>

#include "watchdog.hpp"

namespace gpucert::kernels::nccl {

class Communicator {
 public:
  static Communicator& instance();

  // Joins the communicator of `nranks` ranks as `rank` on `device`, waiting at most `timeout` for the
  // others; replaces (aborts) any earlier one. Throws NcclFailure, CudaFailure or std::runtime_error.
  void init(const ncclUniqueId& id, int rank, int nranks, int device, std::chrono::seconds timeout);

  // The communicator made from this one by ncclCommSplit under `name` (core/nccl_split.hpp: "node",
  // "pair/round2"), made on the first request of that name and kept: every rank asks for the same names in the
  // same order, because every rank runs the same plan, and the split is collective over this communicator.
  // Null when this rank is not a member (a negative color). The new communicator has its own deadlines and
  // watchdog; `nranks` is the size it must have. Throws as init does, and when the size differs.
  Communicator* split(const std::string& name, int color, int key, int nranks);

  [[nodiscard]] bool ready() const { return comm_ != nullptr; }
  // Why there is no communicator: never made, or aborted (and why).
  [[nodiscard]] const std::string& absent_reason() const { return absent_reason_; }
  [[nodiscard]] ncclComm_t get() const { return comm_; }
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int nranks() const { return nranks_; }
  [[nodiscard]] int device() const { return device_; }
  [[nodiscard]] bool blocking() const { return blocking_; }
  [[nodiscard]] std::chrono::seconds timeout() const { return timeout_; }

  // The result of a call on this communicator: ncclSuccess returns at once (the hot path of a timed loop),
  // ncclInProgress is waited out (non-blocking mode), anything else throws.
  void check(ncclResult_t result, const char* call) {
    if (result != ncclSuccess) settle_or_fail(result, call);
  }

  // One batch of NCCL work under one deadline: open it before the first NCCL call of the batch, end it with
  // wait() (the event recorded after the batch's work) or close(). Its destructor ends it on error paths.
  class Watch {
   public:
    Watch(Communicator& comm, const char* what);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    // Waits for `event`, then ends the watch. Throws when the deadline passed (the communicator is then
    // aborted) or the wait failed.
    void wait(cudaEvent_t event);
    // Ends the watch of a batch without an event (a graph capture). Throws as wait() does.
    void close();

   private:
    Communicator& comm_;
    const char* what_;
    bool open_ = true;
  };

 private:
  Communicator();
  void join(const ncclUniqueId& id, int rank, int nranks, int device, std::chrono::seconds timeout);
  void join_blocking(const ncclUniqueId& id, ncclConfig_t& config);
  void join_nonblocking(const ncclUniqueId& id, ncclConfig_t& config);
  void settle_or_fail(ncclResult_t result, const char* call);
  // Aborts the communicator, remembers why, and throws std::runtime_error with `why`. If the watchdog has
  // already aborted it, reports that instead (and never aborts twice).
  [[noreturn]] void abort(const std::string& why);
  // The end of a watch in blocking mode; throws (the communicator is gone) when the watchdog ended it.
  void end_watch(const char* what);
  // Forgets a communicator the watchdog aborted and throws what happened; `cause` is the likely reason a
  // deadline passed.
  [[noreturn]] void expired(const Expiry& why, const char* what, const char* cause);
  [[nodiscard]] std::chrono::steady_clock::time_point deadline() const;
  // Non-blocking mode: throws (after aborting) when the communicator reports an asynchronous error; returns
  // its state.
  ncclResult_t state(const char* what);
  // Non-blocking mode: waits while the communicator's state is ncclInProgress.
  void settle(const char* what);
  void wait(cudaEvent_t event, const char* what);
  // Blocking mode: polls `event` alone (the watchdog holds the deadline), then ends the watch.
  void wait_watched(cudaEvent_t event, const char* what);

  // Aborts the communicator, if any, and forgets it, without a reason of its own (the caller records one).
  void discard();
  // Aborts the split communicators and forgets them (a new communicator of the run replaces this one).
  void drop_children();

  ncclComm_t comm_ = nullptr;
  // By name; null where this rank is not a member.
  std::map<std::string, std::unique_ptr<Communicator>> children_;
  // The communicator the watchdog may abort: comm_, published before a watch is armed.
  std::atomic<ncclComm_t> watched_{nullptr};
  bool blocking_ = true;
  const char* watching_ = nullptr;  // the open watch's batch, for messages
  int rank_ = 0, nranks_ = 0, device_ = 0;
  std::chrono::seconds timeout_{300};
  std::string absent_reason_ = "this worker has no NCCL communicator: the coordinator did not send nccl_init";
  Watchdog watchdog_;
};

}  // namespace gpucert::kernels::nccl

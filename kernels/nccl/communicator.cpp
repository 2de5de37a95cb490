#include "communicator.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/cuda_check.hpp"
#include "nccl_check.hpp"

namespace gpucert::kernels::nccl {
namespace {

using Clock = std::chrono::steady_clock;

// How often the watchdog looks at a watch: deadlines are whole seconds, and each look is one
// ncclCommGetAsyncError on the watchdog's own thread.
constexpr auto kWatchdogTick = std::chrono::milliseconds(10);

// Spin for the first milliseconds: a small collective completes within microseconds, and a yield could
// hand the core to another thread for a whole time slice. Then yield, then sleep: a rank waiting minutes
// for a dead peer should not burn a core.
class Backoff {
 public:
  explicit Backoff(Clock::duration spin = std::chrono::milliseconds(2)) : spin_(spin) {}
  void pause() {
    const auto waited = Clock::now() - start_;
    if (waited < spin_) return;
    if (waited < std::chrono::milliseconds(50)) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

 private:
  Clock::duration spin_;
  Clock::time_point start_ = Clock::now();
};

std::string seconds_text(std::chrono::seconds s) { return std::to_string(s.count()) + " s"; }

constexpr const char* kPeerCause = "another rank died or hangs";

}  // namespace

Communicator& Communicator::instance() {
  // Never destroyed: at process exit the CUDA runtime may already be gone, and NCCL's resources go with
  // the process anyway. The watchdog thread, never joined, goes with it too.
  static auto* communicator = new Communicator();
  return *communicator;
}

Communicator::Communicator()
    : watchdog_(
          [this]() -> std::string {
            ncclComm_t comm = watched_.load(std::memory_order_acquire);
            if (!comm) return "";
            ncclResult_t async = ncclSuccess;
            const ncclResult_t queried = ncclCommGetAsyncError(comm, &async);
            if (queried != ncclSuccess) return describe_failure(queried, "ncclCommGetAsyncError", comm);
            if (async != ncclSuccess && async != ncclInProgress)
              return describe_failure(async, "ncclCommGetAsyncError", comm);
            return "";
          },
          [this] {
            // Exchanged, so that the communicator is aborted once, here or by the working thread.
            if (ncclComm_t comm = watched_.exchange(nullptr, std::memory_order_acq_rel)) ncclCommAbort(comm);
          },
          kWatchdogTick) {}

std::chrono::steady_clock::time_point Communicator::deadline() const { return Clock::now() + timeout_; }

void Communicator::expired(const Expiry& why, const char* what, const char* cause) {
  // The watchdog has aborted the communicator already (or will find nothing to abort): forget it.
  if (ncclComm_t comm = watched_.exchange(nullptr, std::memory_order_acq_rel)) ncclCommAbort(comm);
  comm_ = nullptr;
  const std::string on_rank = " on rank " + std::to_string(rank_);
  const std::string text =
      why.deadline_passed
          ? std::string(what) + " made no progress within " + seconds_text(timeout_) + on_rank + " (" + cause +
                "); communicator aborted"
          : std::string("NCCL failed during ") + what + on_rank + ": " + why.error + "; communicator aborted";
  absent_reason_ = "the NCCL communicator was aborted: " + text;
  throw std::runtime_error(text);
}

void Communicator::end_watch(const char* what) {
  if (auto expiry = watchdog_.disarm()) expired(*expiry, what, kPeerCause);
}

void Communicator::abort(const std::string& why) {
  // A failed call may be the watchdog's doing; its account is the one that says what happened. Disarmed
  // first in any case, so that the watchdog never polls a communicator this thread is destroying.
  if (blocking_)
    if (auto expiry = watchdog_.disarm()) expired(*expiry, watching_ ? watching_ : "an NCCL call", kPeerCause);
  discard();
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

void Communicator::discard() {
  // Unpublished first, so that the watchdog never polls a communicator this thread is destroying.
  watched_.store(nullptr, std::memory_order_release);
  if (comm_) ncclCommAbort(comm_);
  comm_ = nullptr;
}

void Communicator::drop_children() {
  for (auto& [name, child] : children_)
    if (child) child->discard();
  children_.clear();
}

Communicator* Communicator::split(const std::string& name, int color, int key, int nranks) {
  if (const auto known = children_.find(name); known != children_.end()) {
    Communicator* child = known->second.get();
    if (child && !child->ready()) throw std::runtime_error(child->absent_reason());
    return child;
  }
  if (!comm_) throw std::runtime_error(absent_reason_);
  auto child = std::unique_ptr<Communicator>(new Communicator());
  child->device_ = device_;
  child->timeout_ = timeout_;
  child->blocking_ = blocking_;
  GPUCERT_CUDA_TRY(cudaSetDevice(device_));
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = blocking_ ? 1 : 0;
  ncclComm_t made = nullptr;
  const std::string what = "splitting the communicator (" + name + ")";
  const int nccl_color = color < 0 ? NCCL_SPLIT_NOCOLOR : color;
  if (blocking_) {
    // Collective over this communicator: a rank that never comes would hold the others here, so it runs under
    // this communicator's deadline, whose abort releases them.
    Watch watch(*this, what.c_str());
    check(ncclCommSplit(comm_, nccl_color, key, &made, &config), "ncclCommSplit");
    watch.close();
  } else {
    const ncclResult_t result = ncclCommSplit(comm_, nccl_color, key, &made, &config);
    if (result != ncclSuccess && result != ncclInProgress) abort(describe_failure(result, "ncclCommSplit", comm_));
  }
  if (!made) {
    children_.emplace(name, nullptr);
    return nullptr;
  }
  child->comm_ = made;
  child->watched_.store(made, std::memory_order_release);
  if (!blocking_) child->settle(what.c_str());
  int rank = 0, count = 0;
  child->check(ncclCommUserRank(made, &rank), "ncclCommUserRank");
  child->check(ncclCommCount(made, &count), "ncclCommCount");
  child->rank_ = rank;
  child->nranks_ = count;
  child->absent_reason_.clear();
  Communicator* out = child.get();
  children_.emplace(name, std::move(child));
  if (count != nranks)
    out->abort("ncclCommSplit (" + name + ") made a communicator of " + std::to_string(count) +
               " rank(s); the coordinator expected " + std::to_string(nranks));
  return out;
}

void Communicator::join(const ncclUniqueId& id, int rank, int nranks, int device, std::chrono::seconds timeout) {
  drop_children();
  discard();
  rank_ = rank;
  nranks_ = nranks;
  device_ = device;
  timeout_ = timeout;
  auto blocking =
      blocking_from_environment(std::getenv("GPUCERT_NCCL_NONBLOCKING"), std::getenv("GPUCERT_NCCL_BLOCKING"));
  if (!blocking) throw std::runtime_error(blocking.error().message);
  blocking_ = *blocking;
  GPUCERT_CUDA_TRY(cudaSetDevice(device));
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  if (blocking_) {
    join_blocking(id, config);
  } else {
    join_nonblocking(id, config);
  }
  absent_reason_.clear();
}

void Communicator::join_blocking(const ncclUniqueId& id, ncclConfig_t& config) {
  config.blocking = 1;
  const std::string what = "joining the communicator of " + std::to_string(nranks_) + " ranks";
  const char* cause = "a rank did not join: dead, hung, or unreachable over the network";
  // Inside a group, ncclCommInitRankConfig only hands out the communicator; ncclGroupEnd does the work that
  // waits for the other ranks. So the watchdog has the communicator to abort before anything can hang.
  watched_.store(nullptr, std::memory_order_release);
  watchdog_.arm(timeout_, false);
  ncclComm_t comm = nullptr;
  ncclResult_t result = ncclGroupStart();
  if (result == ncclSuccess) {
    result = ncclCommInitRankConfig(&comm, nranks_, id, rank_, &config);
    if (comm) watched_.store(comm, std::memory_order_release);
    // Always ended, even after a failed call: an open group would swallow this thread's next NCCL calls.
    const ncclResult_t ended = ncclGroupEnd();
    if (result == ncclSuccess) result = ended;
  }
  if (auto expiry = watchdog_.disarm()) expired(*expiry, what.c_str(), cause);
  if (result != ncclSuccess) {
    const auto why = describe_failure(result, "ncclCommInitRankConfig", comm);
    watched_.store(nullptr, std::memory_order_release);
    if (comm) ncclCommAbort(comm);
    throw std::runtime_error(why);
  }
  comm_ = comm;
}

void Communicator::join_nonblocking(const ncclUniqueId& id, ncclConfig_t& config) {
  // Non-blocking: no NCCL call waits on another rank, so every wait happens on this thread, against a
  // deadline, and the watchdog stays idle.
  config.blocking = 0;
  ncclComm_t comm = nullptr;
  const ncclResult_t result = ncclCommInitRankConfig(&comm, nranks_, id, rank_, &config);
  if (result != ncclSuccess && result != ncclInProgress) {
    const auto why = describe_failure(result, "ncclCommInitRankConfig", comm);
    if (comm) ncclCommAbort(comm);
    throw std::runtime_error(why);
  }
  comm_ = comm;
  const auto until = deadline();
  Backoff backoff;
  while (state("communicator set-up") == ncclInProgress) {
    if (Clock::now() > until)
      abort("ncclCommInitRankConfig: the communicator of " + std::to_string(nranks_) +
            " ranks was not complete within " + seconds_text(timeout_) + " on rank " + std::to_string(rank_) +
            " (a rank did not join: dead, hung, or unreachable over the network)");
    backoff.pause();
  }
}

void Communicator::settle_or_fail(ncclResult_t result, const char* call) {
  if (result == ncclInProgress && !blocking_) return settle(call);
  // After the watchdog's abort the communicator is gone: its account, not NCCL's last error, says why.
  if (blocking_ && watchdog_.expired()) abort(call);
  abort(describe_failure(result, call, comm_));
}

void Communicator::settle(const char* what) {
  const auto until = deadline();
  // No spinning here: a non-blocking call finishes on NCCL's own thread, and polling its state without a
  // pause starved it (2 ms per small collective, the length of the spin, measured on two H200s).
  Backoff backoff(Clock::duration::zero());
  while (state(what) == ncclInProgress) {
    if (Clock::now() > until)
      abort(std::string(what) + " made no progress within " + seconds_text(timeout_) + " on rank " +
            std::to_string(rank_) + " (" + kPeerCause + "); communicator aborted");
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
    if (Clock::now() > until)
      abort(std::string(what) + " did not complete within " + seconds_text(timeout_) + " on rank " +
            std::to_string(rank_) + " (" + kPeerCause + "); communicator aborted");
    backoff.pause();
  }
}

void Communicator::wait_watched(cudaEvent_t event, const char* what) {
  // Only the event is polled here: the watchdog keeps the deadline and polls NCCL for errors on its own
  // thread. Its abort stops NCCL's kernels, so the event completes and the watch's end reports it.
  Backoff backoff;
  for (;;) {
    const cudaError_t done = cudaEventQuery(event);
    if (done == cudaSuccess || watchdog_.expired()) break;
    if (done != cudaErrorNotReady) {
      end_watch(what);
      throw CudaFailure(done, "cudaEventQuery", __FILE__, __LINE__);
    }
    backoff.pause();
  }
  end_watch(what);
}

Communicator::Watch::Watch(Communicator& comm, const char* what) : comm_(comm), what_(what) {
  if (!comm_.blocking_) return;
  comm_.watching_ = what;
  comm_.watchdog_.arm(comm_.timeout_, true);
}

Communicator::Watch::~Watch() {
  if (!open_ || !comm_.blocking_) return;
  comm_.watching_ = nullptr;
  // An error path: the exception in flight says what failed; if the watchdog aborted meanwhile, the
  // communicator is gone all the same.
  if (comm_.watchdog_.disarm()) {
    comm_.watched_.store(nullptr, std::memory_order_release);
    comm_.comm_ = nullptr;
    comm_.absent_reason_ = std::string("the NCCL communicator was aborted: ") + what_ + " made no progress within " +
                           seconds_text(comm_.timeout_) + " on rank " + std::to_string(comm_.rank_);
  }
}

void Communicator::Watch::wait(cudaEvent_t event) {
  open_ = false;
  if (comm_.blocking_) {
    comm_.watching_ = nullptr;
    comm_.wait_watched(event, what_);
  } else {
    comm_.wait(event, what_);
  }
}

void Communicator::Watch::close() {
  open_ = false;
  if (!comm_.blocking_) return;
  comm_.watching_ = nullptr;
  comm_.end_watch(what_);
}

}  // namespace gpucert::kernels::nccl

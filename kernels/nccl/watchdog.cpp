#include "watchdog.hpp"

#include <exception>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace gpucert::kernels::nccl {

Watchdog::Watchdog(std::function<std::string()> poll, std::function<void()> abort, Clock::duration tick)
    : poll_(std::move(poll)), abort_(std::move(abort)), tick_(tick) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Watchdog::arm(Clock::duration timeout, bool poll_errors) {
  if (state_.load(std::memory_order_acquire) != kIdle)
    throw std::logic_error("nccl watchdog: a watch is already armed (the last one was not disarmed)");
  deadline_ = Clock::now() + timeout;
  poll_errors_ = poll_errors;
  state_.store(kArmed, std::memory_order_release);
  // Started here rather than at construction: a worker that never joins a communicator has no thread.
  if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

std::optional<Expiry> Watchdog::disarm() {
  for (;;) {
    int state = kArmed;
    if (state_.compare_exchange_weak(state, kIdle, std::memory_order_acq_rel)) return std::nullopt;
    if (state == kIdle) return std::nullopt;
    if (state == kFired) {
      Expiry why = std::move(expiry_);
      state_.store(kIdle, std::memory_order_release);
      return why;
    }
    // Inspecting (one poll) or Firing (abort at work): wait for the watchdog to let go of the watch.
    if (state != kArmed) std::this_thread::yield();
  }
}

bool Watchdog::expired() const {
  const int state = state_.load(std::memory_order_relaxed);
  return state == kFiring || state == kFired;
}

bool Watchdog::armed() const { return state_.load(std::memory_order_acquire) != kIdle; }

void Watchdog::loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    // A tick, not a notification from arm: arming must cost the working thread no system call.
    wake_.wait_for(lock, tick_, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    inspect();
    lock.lock();
  }
}

void Watchdog::inspect() {
  int state = kArmed;
  if (!state_.compare_exchange_strong(state, kInspecting, std::memory_order_acq_rel)) return;
  if (Clock::now() >= deadline_) {
    state_.store(kFiring, std::memory_order_release);
    return fire({true, ""});
  }
  if (poll_errors_) {
    std::string error;
    try {
      error = poll_();
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown exception while polling for errors";
    }
    if (!error.empty()) {
      state_.store(kFiring, std::memory_order_release);
      return fire({false, std::move(error)});
    }
  }
  state_.store(kArmed, std::memory_order_release);
}

void Watchdog::fire(Expiry why) {
  expiry_ = std::move(why);
  try {
    abort_();
  } catch (...) {
    // The watch has expired whatever abort says; the working thread reports the expiry.
  }
  state_.store(kFired, std::memory_order_release);
}

namespace {

Outcome<std::optional<bool>> flag(const char* name, const char* value) {
  if (!value || !*value) return std::optional<bool>{};
  const std::string_view text(value);
  if (text == "1") return std::optional<bool>{true};
  if (text == "0") return std::optional<bool>{false};
  return GPUCERT_ERROR(std::string(name) + " must be 0 or 1, not '" + value + "'");
}

}  // namespace

Outcome<bool> blocking_from_environment(const char* nonblocking, const char* blocking) {
  auto wants_nonblocking = flag("GPUCERT_NCCL_NONBLOCKING", nonblocking);
  if (!wants_nonblocking) return wants_nonblocking.error();
  auto wants_blocking = flag("GPUCERT_NCCL_BLOCKING", blocking);
  if (!wants_blocking) return wants_blocking.error();
  if (*wants_nonblocking && *wants_blocking && **wants_nonblocking == **wants_blocking)
    return GPUCERT_ERROR(std::string("GPUCERT_NCCL_NONBLOCKING=") + nonblocking +
                         " and GPUCERT_NCCL_BLOCKING=" + blocking + " contradict each other; set one of them");
  if (*wants_nonblocking) return !**wants_nonblocking;
  if (*wants_blocking) return **wants_blocking;
  return true;
}

}  // namespace gpucert::kernels::nccl

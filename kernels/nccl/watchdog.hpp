// The deadline of the nccl plugin's blocking communicator (communicator.hpp), kept by a thread of its own,
// and the environment knobs that choose the communicator. Plain C++ (no CUDA, no NCCL), so the state
// machine is unit-tested on a machine without a GPU.
//
// A watch covers one batch of work (NCCL calls, then the wait for their completion). The thread that does
// the work arms it and disarms it; nothing else. The watchdog thread looks at an armed watch every `tick`:
// when its deadline has passed, or `poll` reports an error, it calls `abort` (which must make the blocked
// work return) and the watch has expired; disarm then says why, and only after `abort` has returned, so
// the working thread never touches what is being torn down. Arming and disarming are a few atomic
// operations and never wake the watchdog: a batch of small collectives must not pay a system call for
// its deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/error.hpp"

namespace gpucert::kernels::nccl {

// Why the watchdog ended a watch.
struct Expiry {
  bool deadline_passed = true;  // false: `poll` reported `error`
  std::string error;
};

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  // `poll` returns the watched work's error, empty when there is none; `abort` stops the work. Both run on
  // the watchdog thread, only while a watch is armed, and never after disarm() has returned. An exception
  // from `poll` counts as its error; one from `abort` is dropped (the watch has expired all the same).
  Watchdog(std::function<std::string()> poll, std::function<void()> abort, Clock::duration tick);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Starts a watch that expires `timeout` from now; `poll` is asked only when `poll_errors`. The thread
  // starts with the first watch. Throws std::logic_error when a watch is already armed.
  void arm(Clock::duration timeout, bool poll_errors);
  // Ends the watch: nullopt when it had not expired (or none was armed), else why it expired.
  std::optional<Expiry> disarm();
  // Whether the current watch has expired or is expiring: one relaxed load, for wait loops.
  [[nodiscard]] bool expired() const;
  [[nodiscard]] bool armed() const;

 private:
  // Idle -> Armed (arm); Armed -> Idle (disarm); Armed -> Inspecting -> Armed | Firing (watchdog);
  // Firing -> Fired (watchdog, after abort); Fired -> Idle (disarm).
  enum State : int { kIdle, kArmed, kInspecting, kFiring, kFired };
  void loop();
  void inspect();
  void fire(Expiry why);

  std::function<std::string()> poll_;
  std::function<void()> abort_;
  Clock::duration tick_;
  std::atomic<int> state_{kIdle};
  // Written by arm before Armed is published; read by the watchdog only while it holds the watch in
  // Inspecting, so a watch disarmed and re-armed in between is never judged by the old deadline.
  Clock::time_point deadline_{};
  bool poll_errors_ = false;
  Expiry expiry_;  // written by the watchdog before Fired, read by disarm after
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

// Whether the communicator is blocking, from GPUCERT_NCCL_NONBLOCKING and GPUCERT_NCCL_BLOCKING (null when
// unset). Blocking, with the watchdog's deadline, is the default: a non-blocking communicator makes every
// small collective about 30 us slower (NCCL runs each call on a thread of its own and the caller polls).
// GPUCERT_NCCL_NONBLOCKING=1 brings back the non-blocking communicator (its deadlines need no other thread).
// GPUCERT_NCCL_BLOCKING stays meaningful (0: non-blocking, 1: blocking) so that the commands of
// docs/PERFORMANCE.md, written when non-blocking was the default, measure what they say. Values other than
// empty, 0 and 1, and the two knobs contradicting each other, are refused.
Outcome<bool> blocking_from_environment(const char* nonblocking, const char* blocking);

}  // namespace gpucert::kernels::nccl

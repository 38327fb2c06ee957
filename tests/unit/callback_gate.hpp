#pragma once
// A gate a user callback waits at until the test opens it: how the shell's unit tests hold
// the callback thread still while they act, with deadlines on both sides (never a hang).

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace creditmeter {
namespace testing {

class CallbackGate {
 public:
  // In the callback: says it arrived, then waits until open() (at most 30 s).
  void wait_open() {
    std::unique_lock<std::mutex> lock(mutex_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait_for(lock, std::chrono::seconds(30), [this] { return open_; });
  }
  // In the test: whether a callback arrived at the gate within 5 s.
  bool wait_entered() {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [this] { return entered_; });
  }
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

}  // namespace testing
}  // namespace creditmeter

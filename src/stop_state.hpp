#pragma once
// The shared state behind StopSource / StopToken (include/creditmeter/stop_token.hpp) and the
// SDK's way to be told of a stop: a StopCallback, registered for the length of one wait, runs
// its function when the stop is requested (at once when it already was), like C++20's
// std::stop_callback. The function wakes the wait (a condition variable, curl_multi_wakeup);
// the wait itself re-checks stop_requested().

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "creditmeter/stop_token.hpp"

namespace creditmeter {
namespace detail {

class StopCallback;

struct StopState {
  std::atomic<bool> requested{false};
  std::mutex mutex;
  std::condition_variable finished;            // a callback run by request_stop() returned
  std::vector<StopCallback*> callbacks;        // registered, not yet run
  StopCallback* running = nullptr;             // the one request_stop() is running now
  std::thread::id requester;                   // the thread running request_stop()

  bool request_stop() noexcept;
};

struct StopAccess {
  static const std::shared_ptr<StopState>& state(const StopToken& token) { return token.state_; }
};

class StopCallback {
 public:
  // `fn` must not throw and must not wait for the thread that registered it.
  StopCallback(const StopToken& token, std::function<void()> fn);
  // Deregisters; if request_stop() is running `fn` on another thread, waits for it to return.
  ~StopCallback();
  StopCallback(const StopCallback&) = delete;
  StopCallback& operator=(const StopCallback&) = delete;

 private:
  friend struct StopState;
  std::shared_ptr<StopState> state_;
  std::function<void()> fn_;
};

}  // namespace detail
}  // namespace creditmeter

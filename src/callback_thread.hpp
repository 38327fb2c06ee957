#pragma once
// The client's callback thread: runs users' callbacks (state changes, balance updates) for
// every metered session of one Client, beside the scheduler thread, so that a slow callback
// never stalls a heartbeat or times out a request (docs/ARCHITECTURE.md, "Threads"). Each
// session keeps its own FIFO of events (SessionImpl); this thread only learns which sessions
// have some, and drains each in order: transitions run once and in order per session.
// Started by the first post(); a post never blocks on a running callback.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace creditmeter {
namespace detail {

class Logger;
class SessionImpl;

class CallbackThread {
 public:
  explicit CallbackThread(const Logger& logger);
  ~CallbackThread();  // joins, or detaches when destroyed on its own thread

  // Any thread: `session` has events to run. `keep_alive` rides with the thread (the owner of
  // this object), so a thread left behind by shutdown() never outlives what it uses.
  void post(std::shared_ptr<SessionImpl> session, const std::shared_ptr<void>& keep_alive);
  // Runs what is queued, then ends the thread. Waits for that until `deadline` (a
  // steady_clock time), then leaves the thread to finish on its own; returns at once when
  // called on the callback thread itself (a callback destroying its Client).
  void shutdown(std::chrono::steady_clock::time_point deadline);
  bool on_thread() const { return std::this_thread::get_id() == thread_id_.load(std::memory_order_relaxed); }

 private:
  struct State;
  static void run(const std::shared_ptr<State>& state, const Logger& logger);

  const Logger& logger_;
  // Shared with the thread: a detached thread still finds its queue.
  std::shared_ptr<State> state_;
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
};

}  // namespace detail
}  // namespace creditmeter

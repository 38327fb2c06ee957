#include "callback_thread.hpp"

#include <pthread.h>

#include "logger.hpp"
#include "session_impl.hpp"

namespace creditmeter {
namespace detail {

struct CallbackThread::State {
  std::mutex mutex;
  std::condition_variable work;  // posts and quit
  std::condition_variable done;  // the thread ended
  std::deque<std::shared_ptr<SessionImpl>> queue;
  std::shared_ptr<void> keep_alive;  // dropped by the thread as it ends
  bool started = false;
  bool quit = false;
  bool ended = false;
};

CallbackThread::CallbackThread(const Logger& logger) : logger_(logger), state_(std::make_shared<State>()) {}

CallbackThread::~CallbackThread() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->quit = true;
  }
  state_->work.notify_all();
  if (!thread_.joinable()) return;
  if (on_thread()) thread_.detach();  // the last owner let go inside a callback
  else thread_.join();
}

void CallbackThread::post(std::shared_ptr<SessionImpl> session, const std::shared_ptr<void>& keep_alive) {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->ended) return;  // shut down: the session's events stay queued, unseen
    state_->queue.push_back(std::move(session));
    if (!state_->started) {
      // Started under the lock, so thread_id_ is set before anyone can ask on_thread().
      state_->started = true;
      state_->keep_alive = keep_alive;
      thread_ = std::thread([state = state_, &logger = logger_] { run(state, logger); });
      thread_id_.store(thread_.get_id(), std::memory_order_relaxed);
      return;
    }
  }
  state_->work.notify_one();
}

void CallbackThread::run(const std::shared_ptr<State>& state, const Logger& logger) {
#if defined(__APPLE__)
  pthread_setname_np("creditmeter-cb");
#elif defined(__linux__)
  pthread_setname_np(pthread_self(), "creditmeter-cb");
#endif
  std::unique_lock<std::mutex> lock(state->mutex);
  for (;;) {
    state->work.wait(lock, [&] { return !state->queue.empty() || state->quit; });
    if (state->queue.empty()) break;  // quit, and everything queued has run
    std::shared_ptr<SessionImpl> session = std::move(state->queue.front());
    state->queue.pop_front();
    lock.unlock();
    session->dispatch_changes(logger);
    session.reset();  // may be the last reference: destroyed outside the lock
    lock.lock();
  }
  state->ended = true;
  std::shared_ptr<void> keep_alive = std::move(state->keep_alive);
  lock.unlock();
  state->done.notify_all();
  // Dropping the owner may destroy it (and this object's CallbackThread) on this thread.
  keep_alive.reset();
}

void CallbackThread::shutdown(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  state_->quit = true;
  state_->work.notify_all();
  if (!state_->started || on_thread()) return;
  if (state_->done.wait_until(lock, deadline, [this] { return state_->ended; })) {
    lock.unlock();
    if (thread_.joinable()) thread_.join();
    return;
  }
  // A callback is still running past the deadline: shutdown keeps its deadline; the thread
  // finishes the queue on its own (it holds its state and its owner alive).
  lock.unlock();
  logger_.warning("client shutdown: a callback is still running at the shutdown deadline; "
                  "its remaining callbacks run when it returns");
  if (thread_.joinable()) thread_.detach();
}

}  // namespace detail
}  // namespace creditmeter

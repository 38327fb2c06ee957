#include "stop_state.hpp"

#include <algorithm>

namespace creditmeter {

bool StopToken::stop_requested() const noexcept { return state_ && state_->requested.load(std::memory_order_acquire); }

StopSource::StopSource() : state_(std::make_shared<detail::StopState>()) {}

bool StopSource::request_stop() noexcept { return state_->request_stop(); }

bool StopSource::stop_requested() const noexcept { return state_->requested.load(std::memory_order_acquire); }

namespace detail {

// Runs the callbacks one by one outside the mutex (a callback may take its own locks), on the
// requesting thread, as std::stop_source does.
bool StopState::request_stop() noexcept {
  std::unique_lock<std::mutex> lock(mutex);
  if (requested.load(std::memory_order_relaxed)) return false;
  requested.store(true, std::memory_order_release);
  requester = std::this_thread::get_id();
  while (!callbacks.empty()) {
    running = callbacks.back();
    callbacks.pop_back();
    lock.unlock();
    running->fn_();
    lock.lock();
    running = nullptr;
    finished.notify_all();
  }
  return true;
}

StopCallback::StopCallback(const StopToken& token, std::function<void()> fn)
    : state_(StopAccess::state(token)), fn_(std::move(fn)) {
  if (!state_) return;  // a token that never stops
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (!state_->requested.load(std::memory_order_relaxed)) {
      state_->callbacks.push_back(this);
      return;
    }
  }
  fn_();  // already requested: at once, on this thread
}

StopCallback::~StopCallback() {
  if (!state_) return;
  std::unique_lock<std::mutex> lock(state_->mutex);
  auto& list = state_->callbacks;
  auto it = std::find(list.begin(), list.end(), this);
  if (it != list.end()) {
    list.erase(it);
    return;
  }
  if (state_->running == this && state_->requester != std::this_thread::get_id()) {
    state_->finished.wait(lock, [&] { return state_->running != this; });
  }
}

}  // namespace detail
}  // namespace creditmeter

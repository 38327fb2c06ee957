#pragma once
// A scripted Transport for unit tests of the client shell: requests queue up, the test
// answers them one by one, and poll() delivers the answers on the scheduler thread.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "transport.hpp"

namespace creditmeter {
namespace testing {

class FakeTransport final : public detail::Transport {
 public:
  using Handler = std::function<detail::HttpResponse(const detail::HttpRequest&)>;

  // Synchronous calls (token exchange at start, credit summary) are answered by this.
  void set_sync_handler(Handler handler) {
    std::lock_guard<std::mutex> lock(mutex_);
    sync_handler_ = std::move(handler);
  }

  using detail::Transport::perform;
  detail::HttpResponse perform(const detail::HttpRequest& request, const StopToken&) override {
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      sync_requests_.push_back(request);
      handler = sync_handler_;
    }
    if (!handler) {
      detail::HttpResponse r;
      r.error = "no handler";
      return r;
    }
    return handler(request);
  }

  void submit(detail::HttpRequest request, detail::Completion done) override {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    unanswered_.push_back(Pending{std::move(request), std::move(done)});
    changed_.notify_all();
  }

  void poll(std::chrono::milliseconds max_wait, int wake_fd) override {
    std::vector<std::pair<detail::Completion, detail::HttpResponse>> ready;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++polls_;
      last_wait_ = max_wait;
      last_wake_fd_ = wake_fd;
      sleeping_ = max_wait.count() > 0;
      changed_.notify_all();
      changed_.wait_for(lock, max_wait, [this] { return woken_ || !answered_.empty(); });
      sleeping_ = false;
      woken_ = false;
      ready.swap(answered_);
    }
    for (auto& r : ready) r.first(std::move(r.second));
    std::lock_guard<std::mutex> lock(mutex_);
    delivered_ += ready.size();
    changed_.notify_all();
  }

  void wakeup() override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++wakeups_;
    woken_ = true;
    changed_.notify_all();
  }

  void abort_all() override {
    std::vector<Pending> aborted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      aborted.assign(unanswered_.begin(), unanswered_.end());
      unanswered_.clear();
    }
    for (auto& p : aborted) {
      detail::HttpResponse r;
      r.aborted = true;
      r.error = "aborted";
      p.done(std::move(r));
    }
  }

  std::size_t in_flight() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return unanswered_.size();
  }

  // ---- the test's side ----------------------------------------------------------------

  // Waits (real time, with a deadline) until at least `n` async requests were submitted.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

  // Waits until the scheduler has processed every answer given so far.
  bool wait_until_delivered(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return delivered_ == given_; });
  }

  // Answers the oldest unanswered request. False when there is none.
  bool respond(detail::HttpResponse response) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (unanswered_.empty()) return false;
    answered_.emplace_back(std::move(unanswered_.front().done), std::move(response));
    ++given_;
    unanswered_.pop_front();
    changed_.notify_all();
    return true;
  }

  std::vector<detail::HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  std::vector<detail::HttpRequest> sync_requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sync_requests_;
  }
  std::size_t unanswered() const { return in_flight(); }

  // Waits until the scheduler sleeps in poll() (nothing left to do before a deadline).
  bool wait_until_sleeping(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return sleeping_; });
  }
  // The scheduler's waits: how many, and what the last one was given.
  std::size_t polls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return polls_;
  }
  std::chrono::milliseconds last_wait() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_wait_;
  }
  int last_wake_fd() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_wake_fd_;
  }
  // How many times wakeup() was called.
  std::size_t wakeups() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return wakeups_;
  }

 private:
  struct Pending {
    detail::HttpRequest request;
    detail::Completion done;
  };

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Handler sync_handler_;
  std::vector<detail::HttpRequest> requests_;
  std::vector<detail::HttpRequest> sync_requests_;
  std::deque<Pending> unanswered_;
  std::vector<std::pair<detail::Completion, detail::HttpResponse>> answered_;
  bool woken_ = false;
  bool sleeping_ = false;
  std::size_t wakeups_ = 0;
  std::size_t polls_ = 0;
  std::chrono::milliseconds last_wait_{0};
  int last_wake_fd_ = -1;
  std::size_t given_ = 0;      // answers handed to respond()
  std::size_t delivered_ = 0;  // answers whose completion has run
};

}  // namespace testing
}  // namespace creditmeter

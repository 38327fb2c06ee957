#pragma once
// A scripted HttpTransport (the app's own HTTP stack, include/creditmeter/transport.hpp) for
// unit tests of the client shell, plugged in as an app would: ClientOptions::transport.
// Calls made on the scheduler thread queue up and the test answers them one by one; calls
// made on a caller's thread (the token exchange of start_session(), credit_summary()) are
// answered at once by the sync handler, inside send().
//
// The public interface says nothing of the scheduler's sleep, so the test's timing controls
// (has the scheduler gone to sleep with nothing to do? how often was it woken? has it taken
// the answers given?) come from the scheduler's internal observer seam
// (src/scheduler_observer.hpp): this transport is also the client's SchedulerObserver, and
// the test waits on its condition variable with a deadline.

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/time_point.hpp"
#include "creditmeter/transport.hpp"
#include "scheduler_observer.hpp"
#include "transport.hpp"

namespace creditmeter {
namespace testing {

class FakeTransport final : public HttpTransport, public detail::SchedulerObserver {
 public:
  using Handler = std::function<detail::HttpResponse(const detail::HttpRequest&)>;

  // Calls from a caller's thread (token exchange at start, credit summary) are answered by this.
  void set_sync_handler(Handler handler) {
    std::lock_guard<std::mutex> lock(mutex_);
    sync_handler_ = std::move(handler);
  }

  void send(const HttpRequest& request, std::shared_ptr<TransportCall> call) override {
    if (!on_scheduler_thread()) {
      Handler handler;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        sync_requests_.push_back(request);
        handler = sync_handler_;
      }
      detail::HttpResponse r;
      r.error = "no handler";
      if (handler) r = handler(request);
      answer(*call, std::move(r));
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    unanswered_.push_back(std::move(call));
    changed_.notify_all();
  }

  // The SDK gave up on a call (its timeout, or shutdown): no longer one to answer.
  void cancel(const std::shared_ptr<TransportCall>& call) override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = unanswered_.begin(); it != unanswered_.end(); ++it) {
      if (*it == call) {
        unanswered_.erase(it);
        ++cancelled_;  // its completion (a timeout, an abort) is one more the scheduler takes
        break;
      }
    }
    changed_.notify_all();
  }

  // ---- the test's side ----------------------------------------------------------------

  // Waits (real time, with a deadline) until at least `n` calls came from the scheduler.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

  // Answers the oldest unanswered call. False when there is none.
  bool respond(detail::HttpResponse response) {
    std::shared_ptr<TransportCall> call;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (unanswered_.empty()) return false;
      call = std::move(unanswered_.front());
      unanswered_.pop_front();
      ++answered_;  // counted before it can be taken
    }
    answer(*call, std::move(response));
    return true;
  }

  // Waits (real time, with a deadline) until the scheduler sleeps with nothing to do: asleep
  // in its poll, not asked to wake since its last poll (a poke, a jump of the clock), and
  // every answer given (and every completion of a call it gave up) taken.
  bool wait_until_sleeping(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return idle_locked(); });
  }

  // Waits until the scheduler has taken every answer given so far and sleeps again: the same
  // condition, named for what a test that answered waits for.
  bool wait_until_delivered(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return wait_until_sleeping(timeout);
  }

  // Waits until the scheduler's sleep has ended more than `wakeups` times in all and it
  // sleeps again with nothing to do.
  bool wait_until_woken(std::uint64_t wakeups, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return wakeups_ > wakeups && idle_locked(); });
  }

  // How often the scheduler's sleep ended (an answer, a wake-up asked for, its wake timer).
  std::uint64_t scheduler_wakeups() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return wakeups_;
  }
  // How often a thread asked the sleeping scheduler to wake (pokes it must not sleep through,
  // jumps of the clock, shutdown): the SDK's own decisions, whatever the kernel's timing.
  std::uint64_t wake_requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return wake_requests_;
  }
  // The scheduler's last sleep: until when (on the client's clock; TimePoint::max(): until
  // woken) and the longest real time its poll was allowed to wait.
  struct Sleep {
    core::TimePoint until{};
    std::chrono::milliseconds max_wait{0};
  };
  Sleep last_sleep() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_sleep_;
  }

  std::vector<detail::HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  std::vector<detail::HttpRequest> sync_requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sync_requests_;
  }
  std::size_t unanswered() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return unanswered_.size();
  }
  std::size_t cancelled() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return cancelled_;
  }

 private:
  static bool on_scheduler_thread() {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    return std::string(name) == "creditmeter";
  }

  // ---- the scheduler's side (detail::SchedulerObserver) --------------------------------

  void sleeping(core::TimePoint until, std::chrono::milliseconds max_wait) override {
    std::lock_guard<std::mutex> lock(mutex_);
    asleep_ = true;
    in_sleep_ = true;
    last_sleep_ = Sleep{until, max_wait};
    changed_.notify_all();
  }
  void polled() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (in_sleep_) ++wakeups_;
    asleep_ = false;
    in_sleep_ = false;
    wake_pending_ = false;  // the turn after this poll sees what was asked before it
    changed_.notify_all();
  }
  void took_answer() override {
    std::lock_guard<std::mutex> lock(mutex_);
    asleep_ = false;  // it acts on the answer before it sleeps again
    ++taken_;
    changed_.notify_all();
  }
  void wake_requested() override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++wake_requests_;
    wake_pending_ = true;
    changed_.notify_all();
  }

  bool idle_locked() const { return asleep_ && !wake_pending_ && taken_ >= answered_ + cancelled_; }

  // The response as an app's stack reports it: the headers the SDK reads, or a failure.
  static void answer(TransportCall& call, detail::HttpResponse r) {
    if (r.status == 0) {
      call.fail(r.error);
      return;
    }
    std::vector<std::string> headers;
    if (!r.retry_after.empty()) headers.push_back("Retry-After: " + r.retry_after);
    if (!r.location.empty()) headers.push_back("Location: " + r.location);
    call.complete(r.status, std::move(headers), std::move(r.body));
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Handler sync_handler_;
  std::vector<detail::HttpRequest> requests_;
  std::vector<detail::HttpRequest> sync_requests_;
  std::deque<std::shared_ptr<TransportCall>> unanswered_;
  std::size_t cancelled_ = 0;
  // What the scheduler told (see idle_locked()).
  std::size_t answered_ = 0;  // answers given by respond()
  std::size_t taken_ = 0;     // completions the scheduler took: answers, and the cancelled calls'
  bool asleep_ = false;       // sleeping, and has taken nothing since
  bool in_sleep_ = false;     // sleeping: its next poll's return ends a sleep
  bool wake_pending_ = false; // asked to wake since its last poll
  std::uint64_t wakeups_ = 0;
  std::uint64_t wake_requests_ = 0;
  Sleep last_sleep_;
};

}  // namespace testing
}  // namespace creditmeter

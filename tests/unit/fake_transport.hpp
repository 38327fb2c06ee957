#pragma once
// A scripted HttpTransport (the app's own HTTP stack, include/creditmeter/transport.hpp) for
// unit tests of the client shell, plugged in as an app would: ClientOptions::transport.
// Calls made on the scheduler thread queue up and the test answers them one by one; calls
// made on a caller's thread (the token exchange of start_session(), credit_summary()) are
// answered at once by the sync handler, inside send().
//
// The public interface says nothing of the scheduler's sleep, so the test's timing controls
// (has the scheduler gone to sleep? has it taken the answers given?) read the I/O thread's
// state from the kernel: /proc/self/task/<tid>/wchan names the wait it is blocked in, and
// its voluntary context switches count how often it went to sleep. Linux (and Android) only,
// as the scheduler's wake timer the tests look at.

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "creditmeter/transport.hpp"
#include "transport.hpp"

namespace creditmeter {
namespace testing {

// The client's I/O thread, seen from the kernel.
class SchedulerThread {
 public:
  // The thread named `creditmeter` (0 when there is none, or not yet).
  static long find() {
    long found = 0;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      if (std::getline(comm, name) && name == "creditmeter") found = std::stol(task.path().filename().string());
    }
    return found;
  }
  // Blocked in its one poll (its transfers, wake-ups and wake timer): nothing left to do now.
  static bool in_poll(long tid) {
    std::ifstream wchan("/proc/self/task/" + std::to_string(tid) + "/wchan");
    std::string where;
    std::getline(wchan, where);
    return where.find("poll") != std::string::npos;
  }
  // How often it went to sleep (each wake-up ends in one more).
  static std::uint64_t sleeps(long tid) {
    std::ifstream status("/proc/self/task/" + std::to_string(tid) + "/status");
    const std::string key = "voluntary_ctxt_switches:";
    for (std::string line; std::getline(status, line);) {
      if (line.compare(0, key.size(), key) == 0) return std::stoull(line.substr(key.size()));
    }
    return 0;
  }
};

class FakeTransport final : public HttpTransport {
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
    scheduler_tid_ = static_cast<long>(syscall(SYS_gettid));
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
        ++cancelled_;
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

  // Answers the oldest unanswered call. False when there is none. The scheduler is let go
  // to sleep first, so that wait_until_delivered() can tell its next sleep, which comes
  // only after it took this answer, from the one it was already in.
  bool respond(detail::HttpResponse response) {
    if (unanswered() == 0) return false;
    (void)wait_until_sleeping();
    const std::uint64_t sleeps = SchedulerThread::sleeps(scheduler());
    std::shared_ptr<TransportCall> call;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (unanswered_.empty()) return false;
      call = std::move(unanswered_.front());
      unanswered_.pop_front();
      sleeps_at_last_answer_ = sleeps;
      answered_ = true;
    }
    answer(*call, std::move(response));
    return true;
  }

  // Waits until the scheduler has taken every answer given so far (and sleeps again).
  bool wait_until_delivered(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::uint64_t before;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!answered_) return true;
      before = sleeps_at_last_answer_;
    }
    return wait_for_scheduler([&](long tid) {
      return SchedulerThread::sleeps(tid) > before && SchedulerThread::in_poll(tid);
    }, timeout);
  }

  // Waits until the scheduler sleeps in its poll (nothing left to do before a deadline).
  bool wait_until_sleeping(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return wait_for_scheduler([](long tid) { return SchedulerThread::in_poll(tid); }, timeout);
  }

  // How often the scheduler has gone to sleep: one more for each time it was woken.
  std::uint64_t scheduler_sleeps() { return SchedulerThread::sleeps(scheduler()); }

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

  // The scheduler thread: the one that sent, else the one so named.
  long scheduler() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (scheduler_tid_ != 0) return scheduler_tid_;
    }
    return SchedulerThread::find();
  }

  // Checks `done` on the scheduler thread until it holds or `timeout` (real time) passes.
  template <typename Done>
  bool wait_for_scheduler(Done done, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const long tid = scheduler();
      if (tid != 0 && done(tid)) return true;
      if (std::chrono::steady_clock::now() >= end) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(200));  // a poll of /proc, not a synchronisation
    }
  }

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
  long scheduler_tid_ = 0;
  bool answered_ = false;
  std::uint64_t sleeps_at_last_answer_ = 0;
};

}  // namespace testing
}  // namespace creditmeter

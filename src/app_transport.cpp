#include "app_transport.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/protocol.hpp"
#include "core/time_point.hpp"
#include "creditmeter/clock.hpp"
#include "stop_state.hpp"

namespace creditmeter {
namespace detail {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace {

// A self-pipe: completions arrive on the app's threads and must wake the scheduler's poll(),
// which also waits on the scheduler's timer descriptor. A pipe is the one wake-up primitive
// poll() can wait on everywhere the SDK runs (Linux, Android, Apple), hence written by hand.
class WakePipe {
 public:
  WakePipe() {
    if (::pipe(fds_) != 0) {
      fds_[0] = fds_[1] = -1;
      return;
    }
    for (int fd : fds_) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
  ~WakePipe() {
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }
  WakePipe(const WakePipe&) = delete;
  WakePipe& operator=(const WakePipe&) = delete;

  int read_fd() const { return fds_[0]; }
  void signal() const {
    const char byte = 1;
    if (fds_[1] >= 0) (void)!::write(fds_[1], &byte, 1);  // full pipe: already signalled
  }
  void drain() const {
    char buffer[64];
    while (fds_[0] >= 0 && ::read(fds_[0], buffer, sizeof buffer) > 0) {
    }
  }

 private:
  int fds_[2];
};

bool starts_with_nocase(const std::string& s, const char* prefix) {
  std::size_t i = 0;
  for (; prefix[i] != '\0'; ++i) {
    if (i >= s.size() || std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// The app's answer as the scheduler's transports report one.
HttpResponse to_response(int status, const std::vector<std::string>& headers, std::string body) {
  HttpResponse r;
  if (status < 100 || status > 599) {
    r.error = "the app's transport completed with an invalid HTTP status " + std::to_string(status);
    return r;
  }
  if (body.size() > core::kMaxBodyBytes) {
    r.error = "answer larger than " + std::to_string(core::kMaxBodyBytes) + " bytes (the app's transport)";
    return r;
  }
  r.status = status;
  r.body = std::move(body);
  for (const auto& h : headers) {
    if (!starts_with_nocase(h, "retry-after:")) continue;
    std::string value = h.substr(12);
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r\n");
    r.retry_after = first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
  }
  return r;
}

HttpResponse failure(std::string message) {
  HttpResponse r;
  r.error = std::move(message);
  return r;
}

HttpResponse aborted() {
  HttpResponse r = failure("aborted (client shutting down)");
  r.aborted = true;
  return r;
}

HttpResponse timed_out(milliseconds timeout) {
  return failure("no answer within " + std::to_string(timeout.count()) + " ms (the app's transport did not complete the call)");
}

}  // namespace

struct AppTransport::Shared {
  struct Pending {
    std::shared_ptr<TransportCall> call;
    Completion done;                 // empty for a synchronous call
    core::TimePoint deadline;
    milliseconds timeout;
    std::optional<HttpResponse> answer;  // synchronous: the answer, once in
  };

  std::mutex mutex;
  std::condition_variable answered;  // synchronous callers wait on it
  std::unordered_map<std::uint64_t, Pending> pending;
  std::vector<std::pair<Completion, HttpResponse>> ready;  // answered asynchronous calls
  std::uint64_t next_id = 1;
  std::size_t in_flight = 0;  // asynchronous calls pending
  bool closed = false;
  WakePipe pipe;

  // Any thread: the app's answer to call `id`; ignored when the call is no longer pending.
  void deliver(std::uint64_t id, HttpResponse response) {
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      const auto it = pending.find(id);
      if (it == pending.end()) return;
      if (!it->second.done) {
        if (it->second.answer) return;  // answered already: a second completion is ignored
        it->second.answer = std::move(response);
        answered.notify_all();
        return;
      }
      ready.emplace_back(std::move(it->second.done), std::move(response));
      pending.erase(it);
      --in_flight;
      wake = true;
    }
    if (wake) pipe.signal();
  }
};

namespace {

class Call final : public TransportCall {
 public:
  Call(std::weak_ptr<AppTransport::Shared> shared, std::uint64_t id) : shared_(std::move(shared)), id_(id) {}

  void complete(int http_status, std::vector<std::string> headers, std::string body) override {
    if (auto shared = shared_.lock()) shared->deliver(id_, to_response(http_status, headers, std::move(body)));
  }
  void fail(std::string message) override {
    if (auto shared = shared_.lock()) shared->deliver(id_, failure("the app's transport failed: " + message));
  }

 private:
  const std::weak_ptr<AppTransport::Shared> shared_;
  const std::uint64_t id_;
};

}  // namespace

AppTransport::AppTransport(std::shared_ptr<HttpTransport> app, Clock& clock)
    : app_(std::move(app)), clock_(clock), shared_(std::make_shared<Shared>()) {}

AppTransport::~AppTransport() {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->closed = true;
  shared_->pending.clear();  // later completions find nothing: ignored
  shared_->ready.clear();
}

void AppTransport::send(const HttpRequest& request, const std::shared_ptr<TransportCall>& call) {
  try {
    app_->send(request, call);
  } catch (const std::exception& e) {
    call->fail(std::string("send threw: ") + e.what());
  } catch (...) {
    call->fail("send threw");
  }
}

void AppTransport::cancel(const std::shared_ptr<TransportCall>& call) {
  try {
    app_->cancel(call);
  } catch (...) {
    // The call is abandoned either way; an app's failure to stop it changes nothing here.
  }
}

HttpResponse AppTransport::perform(const HttpRequest& request, const StopToken& stop) {
  if (stop.stop_requested()) {
    HttpResponse r;
    r.interrupted = true;
    r.error = "interrupted before it was sent";
    return r;
  }
  std::uint64_t id;
  std::shared_ptr<TransportCall> call;
  const core::TimePoint deadline = clock_.now() + request.timeout;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    if (shared_->closed) return aborted();
    id = shared_->next_id++;
    call = std::make_shared<Call>(shared_, id);
    shared_->pending.emplace(id, Shared::Pending{call, nullptr, deadline, request.timeout, std::nullopt});
  }
  send(request, call);
  // A stop wakes the wait below (the empty lock: a stop between its check and the wait is not missed).
  StopCallback wake(stop, [shared = shared_] {
    { std::lock_guard<std::mutex> lock(shared->mutex); }
    shared->answered.notify_all();
  });
  std::unique_lock<std::mutex> lock(shared_->mutex);
  for (;;) {
    auto it = shared_->pending.find(id);
    if (it == shared_->pending.end()) return aborted();  // abort_all() took it
    if (it->second.answer) {
      HttpResponse answer = std::move(*it->second.answer);
      shared_->pending.erase(it);
      return answer;
    }
    if (stop.stop_requested()) {  // the app is asked to give up; a late completion is ignored
      shared_->pending.erase(it);
      lock.unlock();
      cancel(call);
      HttpResponse r;
      r.interrupted = true;
      r.request_sent = true;
      r.error = "interrupted";
      return r;
    }
    const core::TimePoint now = clock_.now();
    if (now >= deadline) {
      shared_->pending.erase(it);
      lock.unlock();
      cancel(call);
      return timed_out(request.timeout);
    }
    shared_->answered.wait_for(lock, deadline - now);
  }
}

void AppTransport::submit(HttpRequest request, Completion done) {
  std::uint64_t id;
  std::shared_ptr<TransportCall> call;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    if (shared_->closed) {
      shared_->ready.emplace_back(std::move(done), aborted());
      return;
    }
    id = shared_->next_id++;
    call = std::make_shared<Call>(shared_, id);
    shared_->pending.emplace(id, Shared::Pending{call, std::move(done), clock_.now() + request.timeout,
                                                 request.timeout, std::nullopt});
    ++shared_->in_flight;
  }
  send(request, call);
}

bool AppTransport::complete_due() {
  std::vector<std::pair<Completion, HttpResponse>> ready;
  std::vector<std::shared_ptr<TransportCall>> abandoned;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    ready.swap(shared_->ready);
    const core::TimePoint now = clock_.now();
    for (auto it = shared_->pending.begin(); it != shared_->pending.end();) {
      if (!it->second.done || it->second.deadline > now) {
        ++it;
        continue;
      }
      ready.emplace_back(std::move(it->second.done), timed_out(it->second.timeout));
      abandoned.push_back(std::move(it->second.call));
      it = shared_->pending.erase(it);
      --shared_->in_flight;
    }
  }
  for (const auto& call : abandoned) cancel(call);
  for (auto& r : ready) r.first(std::move(r.second));
  return !ready.empty();
}

void AppTransport::poll(milliseconds max_wait, int wake_fd) {
  if (complete_due()) return;  // a completion may have queued new work: no wait before it runs
  milliseconds wait = std::max(max_wait, milliseconds(0));
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    if (!shared_->ready.empty()) wait = milliseconds(0);
    const core::TimePoint now = clock_.now();
    for (const auto& p : shared_->pending) {
      if (!p.second.done) continue;
      // Rounded up: waking before the deadline would only cost a second wake-up.
      const auto left = duration_cast<milliseconds>(p.second.deadline - now) + milliseconds(1);
      wait = std::min(wait, std::max(left, milliseconds(0)));
    }
  }
  pollfd fds[2] = {{shared_->pipe.read_fd(), POLLIN, 0}, {wake_fd, POLLIN, 0}};
  const int timeout = static_cast<int>(std::min<long long>(wait.count(), INT_MAX));
  if (timeout > 0) ::poll(fds, wake_fd >= 0 ? 2 : 1, timeout);
  shared_->pipe.drain();
  complete_due();
}

void AppTransport::wakeup() {
  shared_->pipe.signal();
  // Synchronous callers re-check their deadline too (a ManualClock's jump calls this).
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->answered.notify_all();
}

void AppTransport::abort_all() {
  std::vector<std::pair<Completion, HttpResponse>> ready;
  std::vector<std::shared_ptr<TransportCall>> abandoned;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->closed = true;
    ready.swap(shared_->ready);  // answers already in are delivered as answers
    for (auto& p : shared_->pending) {
      abandoned.push_back(std::move(p.second.call));
      if (p.second.done) ready.emplace_back(std::move(p.second.done), aborted());
    }
    shared_->pending.clear();  // synchronous callers see their call gone: aborted
    shared_->in_flight = 0;
    shared_->answered.notify_all();
  }
  for (const auto& call : abandoned) cancel(call);
  for (auto& r : ready) r.first(std::move(r.second));
}

std::size_t AppTransport::in_flight() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->in_flight;
}

}  // namespace detail
}  // namespace creditmeter

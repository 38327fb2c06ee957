// AppTransport (src/app_transport.*): the scheduler's Transport over an app's HttpTransport,
// driven by hand with a ManualClock. Completions from other threads and inside send, exactly
// once; calls abandoned at their timeout are cancelled and answered as offline; late
// completions, and completions after the transport is gone, are ignored.

#include <catch2/catch.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "app_transport.hpp"
#include "creditmeter/clock.hpp"

using namespace creditmeter;
using namespace std::chrono_literals;

namespace {

// Keeps every call; the test answers them.
class ScriptedApp final : public HttpTransport {
 public:
  void send(const HttpRequest& request, std::shared_ptr<TransportCall> call) override {
    std::lock_guard<std::mutex> lock(mutex);
    requests.push_back(request);
    if (answer_inline) {
      call->complete(200, {"Retry-After: 7"}, "{\"ok\":true}");
      call->complete(500, {}, "{}");  // a careless app: the second completion is ignored
      return;
    }
    calls.push_back(std::move(call));
  }
  void cancel(const std::shared_ptr<TransportCall>& call) override {
    std::lock_guard<std::mutex> lock(mutex);
    cancelled.push_back(call);
  }
  std::mutex mutex;
  bool answer_inline = false;
  std::vector<HttpRequest> requests;
  std::vector<std::shared_ptr<TransportCall>> calls;
  std::vector<std::shared_ptr<TransportCall>> cancelled;

  // Waits (10 s at most) until `n` requests were sent; true when they were.
  bool wait_for_requests(std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (requests.size() >= n) return true;
      }
      std::this_thread::yield();
    }
    return false;
  }
};

struct Rig {
  ManualClock clock;
  std::shared_ptr<ScriptedApp> app = std::make_shared<ScriptedApp>();
  std::unique_ptr<detail::AppTransport> transport = std::make_unique<detail::AppTransport>(app, clock);
  std::vector<detail::HttpResponse> answers;
  detail::Completion record() {
    return [this](detail::HttpResponse r) { answers.push_back(std::move(r)); };
  }
  static HttpRequest request(std::chrono::milliseconds timeout = 1000ms) {
    HttpRequest r;
    r.url = "https://api.example.com/v1/heartbeats";
    r.timeout = timeout;
    return r;
  }
};

}  // namespace

TEST_CASE("AppTransport: a completion from another thread runs in poll()", "[unit][app_transport]") {
  Rig rig;
  rig.transport->submit(Rig::request(), rig.record());
  REQUIRE(rig.app->calls.size() == 1);
  CHECK(rig.transport->in_flight() == 1);
  std::thread app([call = rig.app->calls[0]] { call->complete(503, {"retry-after:  12 "}, "{}"); });
  app.join();
  CHECK(rig.answers.empty());  // never on the app's thread
  rig.transport->poll(5000ms, -1);
  REQUIRE(rig.answers.size() == 1);
  CHECK(rig.answers[0].status == 503);
  CHECK(rig.answers[0].retry_after == "12");
  CHECK(rig.transport->in_flight() == 0);
  rig.app->calls[0]->complete(200, {}, "{}");  // a second completion: ignored
  rig.transport->poll(0ms, -1);
  CHECK(rig.answers.size() == 1);
}

TEST_CASE("AppTransport: completing inside send is allowed, once", "[unit][app_transport]") {
  Rig rig;
  rig.app->answer_inline = true;
  rig.transport->submit(Rig::request(), rig.record());
  rig.transport->poll(0ms, -1);
  REQUIRE(rig.answers.size() == 1);
  CHECK(rig.answers[0].status == 200);
  CHECK(rig.answers[0].retry_after == "7");
  const detail::HttpResponse sync = rig.transport->perform(Rig::request());
  CHECK(sync.status == 200);
}

TEST_CASE("AppTransport: a call never completed is abandoned at its timeout and cancelled", "[unit][app_transport]") {
  Rig rig;
  rig.transport->submit(Rig::request(1000ms), rig.record());
  rig.clock.advance(999ms);
  rig.transport->poll(0ms, -1);
  CHECK(rig.answers.empty());
  rig.clock.advance(1ms);
  rig.transport->poll(0ms, -1);
  REQUIRE(rig.answers.size() == 1);
  CHECK(rig.answers[0].status == 0);
  CHECK(rig.answers[0].error.find("no answer within 1000 ms") != std::string::npos);
  CHECK(rig.app->cancelled.size() == 1);
  rig.app->calls[0]->complete(200, {}, "{}");  // late: ignored
  rig.transport->poll(0ms, -1);
  CHECK(rig.answers.size() == 1);
}

TEST_CASE("AppTransport: the app's answers are checked", "[unit][app_transport]") {
  Rig rig;
  for (int i = 0; i < 3; ++i) rig.transport->submit(Rig::request(), rig.record());
  rig.app->calls[0]->complete(42, {}, "");
  rig.app->calls[1]->complete(200, {}, std::string(2u << 20, 'x'));
  rig.app->calls[2]->fail("dns: no such host");
  rig.transport->poll(0ms, -1);
  REQUIRE(rig.answers.size() == 3);
  CHECK(rig.answers[0].error.find("invalid HTTP status 42") != std::string::npos);
  CHECK(rig.answers[1].error.find("larger than") != std::string::npos);
  CHECK(rig.answers[2].error.find("dns: no such host") != std::string::npos);
  for (const auto& a : rig.answers) CHECK(a.status == 0);
}

TEST_CASE("AppTransport: abort_all answers what is pending as aborted and cancels it", "[unit][app_transport]") {
  Rig rig;
  rig.transport->submit(Rig::request(), rig.record());
  rig.transport->submit(Rig::request(), rig.record());
  rig.transport->abort_all();
  REQUIRE(rig.answers.size() == 2);
  CHECK(rig.answers[0].aborted);
  CHECK(rig.app->cancelled.size() == 2);
  rig.transport->submit(Rig::request(), rig.record());  // after: aborted at once, never sent
  rig.transport->poll(0ms, -1);
  CHECK(rig.answers.size() == 3);
  CHECK(rig.app->requests.size() == 2);
}

TEST_CASE("AppTransport: a synchronous call waits for the app's thread, up to its timeout", "[unit][app_transport]") {
  Rig rig;
  std::thread app([&] {
    if (!rig.app->wait_for_requests(1)) return;  // the caller then times out and the test fails
    std::shared_ptr<TransportCall> call;
    {
      std::lock_guard<std::mutex> lock(rig.app->mutex);
      call = rig.app->calls[0];
    }
    call->complete(201, {}, "{\"data\":{}}");
  });
  const detail::HttpResponse r = rig.transport->perform(Rig::request(10000ms));
  app.join();
  CHECK(r.status == 201);
  // Unanswered: the deadline is the ManualClock's; advancing it wakes the waiter.
  std::optional<detail::HttpResponse> late;
  std::thread caller([&] { late = rig.transport->perform(Rig::request(1000ms)); });
  REQUIRE(rig.app->wait_for_requests(2));
  rig.clock.advance(1000ms);
  rig.transport->wakeup();
  caller.join();
  REQUIRE(late.has_value());
  CHECK(late->error.find("no answer within") != std::string::npos);
  CHECK(rig.app->cancelled.size() == 1);
}

TEST_CASE("AppTransport: completions after the transport is gone are ignored", "[unit][app_transport]") {
  Rig rig;
  rig.transport->submit(Rig::request(), rig.record());
  auto call = rig.app->calls[0];
  rig.transport.reset();
  call->complete(200, {}, "{}");
  call->fail("late");
  CHECK(rig.answers.empty());
}

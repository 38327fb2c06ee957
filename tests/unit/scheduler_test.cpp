// The client shell (scheduler thread, façade, callbacks) against a FakeTransport and a
// ManualClock. Callbacks only record; assertions run on the test thread.

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "client_harness.hpp"
#include "emulator_process.hpp"  // wait_until

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

bool has_header(const detail::HttpRequest& r, const std::string& header) {
  for (const auto& h : r.headers) {
    if (h == header) return true;
  }
  return false;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

TEST_CASE("the scheduler sends a heartbeat every interval and adopts the answer", "[unit][client]") {
  Harness h(60, 300);
  auto s = h.client->start_session();
  REQUIRE(s->may_render());
  REQUIRE(h.transport->requests().empty());

  h.clock->advance(59s);
  REQUIRE_FALSE(h.transport->wait_for_requests(1, 100ms));
  h.clock->advance(1s);
  REQUIRE(h.transport->wait_for_requests(1));
  const auto hb = h.transport->requests().at(0);
  CHECK(ends_with(hb.url, "/v1/runtime-tokens/heartbeat"));
  CHECK(has_header(hb, "Idempotency-Key: " + s->id() + ":1"));
  CHECK(nlohmann::json::parse(hb.body).at("seq") == 1);
  REQUIRE(h.transport->respond(ack_response(42.5)));
  REQUIRE(h.transport->wait_until_delivered());
  CHECK(s->stats().heartbeats_ok == 1);
  CHECK(s->stats().balance == Approx(42.5));

  h.clock->advance(60s);
  REQUIRE(h.transport->wait_for_requests(2));
  CHECK(has_header(h.transport->requests().at(1), "Idempotency-Key: " + s->id() + ":2"));
}

TEST_CASE("a refused start throws, charges nothing and starts no thread", "[unit][client]") {
  Harness h;
  SECTION("invalid secret") {
    h.transport->set_sync_handler([](const detail::HttpRequest&) { return error_response(401, "INVALID_API_SECRET"); });
    try {
      h.client->start_session();
      FAIL("no exception");
    } catch (const AuthenticationError& e) {
      CHECK(std::string(e.what()).find("check your API secret") != std::string::npos);
      CHECK(std::string(e.what()).find(Harness::kSecret) == std::string::npos);
      CHECK(e.code() == "INVALID_API_SECRET");
    }
  }
  SECTION("no balance") {
    h.transport->set_sync_handler([](const detail::HttpRequest&) { return error_response(402, "INSUFFICIENT_BALANCE"); });
    CHECK_THROWS_AS(h.client->start_session(), InsufficientCredits);
  }
  SECTION("concurrency limit names the limit") {
    h.transport->set_sync_handler([](const detail::HttpRequest&) {
      return error_response(403, "CONCURRENCY_LIMIT_REACHED", {{"limit", 2}});
    });
    try {
      h.client->start_session();
      FAIL("no exception");
    } catch (const ConcurrencyLimitError& e) {
      CHECK(e.limit() == 2);
      CHECK(std::string(e.what()).find("allows 2 concurrent sessions") != std::string::npos);
    }
  }
  SECTION("no answer") {
    h.transport->set_sync_handler([](const detail::HttpRequest&) {
      detail::HttpResponse r;
      r.error = "Couldn't connect to server";
      return r;
    });
    CHECK_THROWS_AS(h.client->start_session(), NetworkError);
  }
  SECTION("garbage answer") {
    h.transport->set_sync_handler([](const detail::HttpRequest&) {
      detail::HttpResponse r;
      r.status = 200;
      r.body = "<html>captive portal</html>";
      return r;
    });
    CHECK_THROWS_AS(h.client->start_session(), NetworkError);
  }
  CHECK(thread_count() == h.threads_at_start);
}

TEST_CASE("audio-only sessions make no call and start no thread", "[unit][client]") {
  Harness h;
  SessionOptions o;
  o.audio_only = true;
  auto s = h.client->start_session(o);
  s->frame();
  CHECK(s->may_render());
  CHECK(h.transport->sync_requests().empty());
  CHECK(thread_count() == h.threads_at_start);
  s->stop();
  CHECK(s->state() == SessionState::stopped);
  CHECK(s->stats().active_ms == 0);
}

TEST_CASE("frames count only active time, idle gaps and pauses excluded", "[unit][client]") {
  Harness h;
  auto s = h.client->start_session();
  s->frame();
  for (int i = 0; i < 25; ++i) {
    h.clock->advance(40ms);
    s->frame();
  }
  CHECK(s->stats().active_ms == 1000);
  h.clock->advance(1500ms);  // longer than idle_after: idle
  s->frame();
  CHECK(s->stats().active_ms == 1000);
  h.clock->advance(40ms);
  s->frame();
  CHECK(s->stats().active_ms == 1040);

  s->pause();
  CHECK_FALSE(s->may_render());
  h.clock->advance(40ms);
  s->frame();  // a frame while paused bills nothing
  CHECK(s->stats().active_ms == 1040);
  h.clock->advance(500ms);
  s->resume();
  CHECK(s->may_render());
  s->frame();  // the first frame after resume does not bill the paused gap
  CHECK(s->stats().active_ms == 1040);
  h.clock->advance(40ms);
  s->frame();
  CHECK(s->stats().active_ms == 1080);
}

TEST_CASE("pause and resume are announced in order on the scheduler thread", "[unit][client]") {
  Harness h;
  ChangeRecorder rec;
  std::atomic<bool> on_test_thread{false};
  const auto test_thread = std::this_thread::get_id();
  SessionOptions o;
  auto record = rec.callback();
  o.on_state_change = [&, record](const StateChange& c) {
    if (std::this_thread::get_id() == test_thread) on_test_thread = true;
    record(c);
  };
  auto s = h.client->start_session(o);
  s->pause();
  s->resume();
  REQUIRE(rec.wait_for(2));
  const auto changes = rec.changes();
  CHECK(changes[0].from == SessionState::active);
  CHECK(changes[0].to == SessionState::paused_by_user);
  CHECK(changes[0].reason == Reason::user);
  CHECK(changes[1].to == SessionState::active);
  CHECK_FALSE(on_test_thread);
}

TEST_CASE("grace expiry pauses rendering and a callback may stop the session", "[unit][client]") {
  Harness h(1, 3);
  ChangeRecorder rec;
  SessionOptions o;
  std::unique_ptr<Session>* self = nullptr;
  auto record = rec.callback();
  o.on_state_change = [&self, record](const StateChange& c) {
    record(c);
    if (c.to == SessionState::paused_offline) (*self)->stop();  // any SDK call is allowed here
  };
  auto s = h.client->start_session(o);
  self = &s;
  // Every heartbeat fails: the server is gone.
  for (int i = 0; i < 30 && s->may_render(); ++i) {
    h.clock->advance(500ms);
    if (h.transport->unanswered() > 0) {
      detail::HttpResponse down;
      down.error = "Connection refused";
      h.transport->respond(down);
      h.transport->wait_until_delivered();
    }
  }
  REQUIRE(rec.wait_for(2));
  const auto changes = rec.changes();
  CHECK(changes[0].to == SessionState::paused_offline);
  CHECK(changes[0].reason == Reason::grace_expired);
  CHECK(changes[1].to == SessionState::stopped);
  CHECK_FALSE(s->may_render());
}

TEST_CASE("stop() during an in-flight heartbeat returns at once, the release follows", "[unit][client]") {
  Harness h(1, 300);
  auto s = h.client->start_session();
  s->frame();
  h.clock->advance(500ms);
  s->frame();
  h.clock->advance(500ms);
  REQUIRE(h.transport->wait_for_requests(1));  // heartbeat 1 on the wire, unanswered

  const auto before = std::chrono::steady_clock::now();
  s->stop();
  CHECK(std::chrono::steady_clock::now() - before < 500ms);  // generous: no network wait
  CHECK(s->state() == SessionState::stopped);
  REQUIRE_FALSE(h.transport->wait_for_requests(2, 100ms));  // release waits for the answer

  REQUIRE(h.transport->respond(ack_response(10)));
  REQUIRE(h.transport->wait_for_requests(2));
  const auto release = h.transport->requests().at(1);
  CHECK(ends_with(release.url, "/v1/runtime-tokens/release"));
  const auto hb = nlohmann::json::parse(h.transport->requests().at(0).body);
  const auto rel = nlohmann::json::parse(release.body);
  CHECK(rel.at("seq") == 2);
  CHECK(hb.at("active_ms").get<std::int64_t>() + rel.at("active_ms").get<std::int64_t>() == s->stats().active_ms);
  REQUIRE(h.transport->respond(json_response(200, {{"balance", 9}, {"credits_charged", 0}})));
  REQUIRE(h.transport->wait_until_delivered());
  CHECK(s->stats().reported_ms == s->stats().active_ms);
}

TEST_CASE("a Session outlives its Client", "[unit][client]") {
  Harness h;
  auto s = h.client->start_session();
  REQUIRE(h.transport->wait_until_sleeping());  // its scheduler runs (and sleeps)
  h.client.reset();  // shutdown_timeout 0: aborts at once
  CHECK(s->state() == SessionState::stopped);
  CHECK_FALSE(s->may_render());
  s->frame();
  s->pause();
  s->resume();
  s->stop();
  CHECK(s->stats().active_ms == 0);
  CHECK_FALSE(s->id().empty());
}

TEST_CASE("flush() inside a callback returns false at once, outside it waits for the ack", "[unit][client]") {
  Harness h(60, 300);
  std::atomic<int> flush_result{-1};
  ChangeRecorder rec;
  Client* client = h.client.get();
  SessionOptions o;
  auto record = rec.callback();
  o.on_state_change = [&, record](const StateChange& c) {
    flush_result = client->flush(10s) ? 1 : 0;
    record(c);
  };
  auto s = h.client->start_session(o);
  s->frame();
  h.clock->advance(100ms);
  s->frame();
  s->pause();
  REQUIRE(rec.wait_for(1));
  CHECK(flush_result == 0);

  std::atomic<bool> flushed{false};
  std::thread responder([&] {
    if (h.transport->wait_for_requests(1)) h.transport->respond(ack_response(5));
  });
  flushed = h.client->flush(5s);
  responder.join();
  CHECK(flushed);
  CHECK(s->stats().reported_ms == 100);
}

TEST_CASE("a throwing callback is logged and the scheduler goes on", "[unit][client]") {
  Harness h;
  ChangeRecorder rec;
  SessionOptions o;
  auto record = rec.callback();
  o.on_state_change = [record](const StateChange& c) {
    record(c);
    throw std::runtime_error("user bug");
  };
  auto s = h.client->start_session(o);
  s->pause();
  s->resume();
  REQUIRE(rec.wait_for(2));
  bool logged = false;
  for (const auto& line : h.log_lines()) logged = logged || line.find("user bug") != std::string::npos;
  CHECK(logged);
}

TEST_CASE("destroying the Client inside a callback defers the join", "[unit][client]") {
  Harness h;
  ChangeRecorder rec;
  SessionOptions o;
  auto record = rec.callback();
  std::unique_ptr<Client>* owner = &h.client;
  o.on_state_change = [owner, record](const StateChange& c) {
    if (c.to == SessionState::paused_by_user) owner->reset();
    record(c);
  };
  auto s = h.client->start_session(o);
  s->pause();
  REQUIRE(rec.wait_for(2));  // paused, then stopped by the Client's shutdown
  CHECK(rec.changes().back().to == SessionState::stopped);
}

TEST_CASE("no log line holds the secret or a token", "[unit][client]") {
  Harness h(1, 2);
  auto s = h.client->start_session();
  for (int i = 0; i < 8; ++i) {
    h.clock->advance(1s);
    if (h.transport->unanswered() > 0) {
      h.transport->respond(error_response(503, "UNAVAILABLE"));
      h.transport->wait_until_delivered();
    }
  }
  s.reset();
  h.client.reset();
  const auto lines = h.log_lines();
  REQUIRE_FALSE(lines.empty());
  for (const auto& line : lines) {
    CHECK(line.find(Harness::kSecret) == std::string::npos);
    CHECK(line.find("eyJ") == std::string::npos);  // every JWT starts with a base64 '{"'
  }
}

TEST_CASE("bad options are refused with a clear InvalidArgument", "[unit][client]") {
  auto make = [](ClientOptions o) { Client c(std::move(o)); };
  ClientOptions base;
  base.base_url = "http://127.0.0.1:9";
  base.api_secret = "sk_x";
  {
    auto o = base;
    o.base_url = "ftp://example.com";
    CHECK_THROWS_AS(make(o), InvalidArgument);
  }
  {
    auto o = base;
    o.base_url = "http://billing.example.com";
    CHECK_THROWS_WITH(make(o), Catch::Contains("allow_insecure_http"));
    o.allow_insecure_http = true;
    CHECK_NOTHROW(make(o));
  }
  {
    auto o = base;
    o.base_url = "not a url";
    CHECK_THROWS_AS(make(o), InvalidArgument);
  }
  {
    auto o = base;
    o.api_secret = "sk_x\r\nX-Evil: 1";
    CHECK_THROWS_AS(make(o), InvalidArgument);
  }
  {
    auto o = base;
    o.connect_timeout = std::chrono::milliseconds(-1);
    CHECK_THROWS_AS(make(o), InvalidArgument);
  }
  Client c(base);
  SessionOptions bad;
  bad.model = "essence\"}";
  CHECK_THROWS_AS(c.start_session(bad), InvalidArgument);
  bad.model = "essence";
  bad.session_id = "spaces are not allowed";
  CHECK_THROWS_AS(c.start_session(bad), InvalidArgument);
}

TEST_CASE("a start wakes the sleeping scheduler only when the new session needs it before its planned wake-up",
          "[unit][client]") {
  // A 60 s interval: the wake timer, armed on real time for the manual clock's first due
  // time, cannot end a sleep while the test runs, even slowed down under emulation.
  Harness h(60, 300);
  auto first = h.client->start_session();
  REQUIRE(h.transport->wait_until_sleeping());
  // Wake-ups as the scheduler reports them (its sleep ended): a scheduler left asleep
  // reports none, and no thread asked it to wake, so "not woken" is exact. A woken one ends
  // at least one sleep (one more if a wake-up came as it was waking anyway): "woken" is at
  // least one more, asked for by a thread.
  const std::uint64_t wakeups = h.transport->scheduler_wakeups();
  const std::uint64_t asked = h.transport->wake_requests();
  auto not_woken = [&] {
    return h.transport->wake_requests() == asked && h.transport->scheduler_wakeups() == wakeups;
  };
  auto woken_up = [&] { return h.transport->wait_until_woken(wakeups) && h.transport->wake_requests() > asked; };

  // Nothing to do before the first heartbeat (60 s away): the scheduler takes the new
  // sessions at its next wake-up.
  auto quiet1 = h.client->start_session();
  auto quiet2 = h.client->start_session();
  CHECK(not_woken());

  SECTION("they are still metered on schedule") {
    quiet1->frame();
    h.clock->advance(100ms);
    quiet1->frame();
    h.clock->advance(59900ms);  // the first heartbeats of all three are due
    REQUIRE(h.transport->wait_for_requests(3));
    std::size_t with_usage = 0;
    for (const auto& r : h.transport->requests()) {
      if (nlohmann::json::parse(r.body).at("active_ms") == 100) ++with_usage;
    }
    CHECK(with_usage == 1);
  }
  SECTION("a balance callback gets the opening balance from the callback thread, without waking it") {
    std::atomic<int> balances{0};
    SessionOptions o;
    o.on_balance = [&](const BalanceUpdate&) { ++balances; };
    auto s = h.client->start_session(o);
    CHECK(wait_until([&] { return balances.load() == 1; }, 5s));
    CHECK(h.transport->wait_until_sleeping());
    CHECK(not_woken());
  }
  SECTION("a spending cap to check wakes it") {
    SessionOptions o;
    o.max_credits = 0.0;  // held at once: paused_billing before any frame
    auto s = h.client->start_session(o);
    CHECK(woken_up());
    CHECK(wait_until([&] { return s->state() == SessionState::paused_billing; }, 5s));
  }
  SECTION("a pause wakes it") {
    quiet1->pause();
    CHECK(woken_up());
  }
}

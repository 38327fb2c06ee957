// The session shell (src/session_impl.cpp) inside a Client over a FakeTransport and a
// ManualClock: the state a user's call sets is visible when the call returns, a session's
// first callback is held until its start returned, audio-only callbacks run on the caller,
// balance updates coalesce behind a slow callback, ~Session waits for a running callback;
// record() appends in memory, the scheduler journals and batches the events.

#include <catch2/catch.hpp>

#include <dirent.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "callback_gate.hpp"
#include "client_harness.hpp"
#include "client_impl.hpp"  // Access::start_session_held
#include "emulator_process.hpp"  // wait_until, TempDir
#include "journal.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

bool logged(const Harness& h, const std::string& part) {
  for (const auto& l : h.log_lines()) {
    if (l.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("session shell: pause, resume and stop show in state() and may_render() when they return",
          "[unit][session]") {
  Harness h;
  auto s = h.client->start_session();
  REQUIRE(s->state() == SessionState::active);
  REQUIRE(s->may_render());

  s->pause();
  CHECK(s->state() == SessionState::paused_by_user);
  CHECK(s->reason() == Reason::user);
  CHECK_FALSE(s->may_render());
  s->resume();
  CHECK(s->state() == SessionState::active);
  CHECK(s->may_render());
  s->stop();
  CHECK(s->state() == SessionState::stopped);
  CHECK_FALSE(s->may_render());
  s->resume();  // a stopped session stays stopped
  CHECK(s->state() == SessionState::stopped);
}

TEST_CASE("session shell: a held start's callbacks wait until they are opened", "[unit][session]") {
  Harness h;
  ChangeRecorder held_changes, marker_changes;
  SessionOptions held_options;
  held_options.on_state_change = held_changes.callback();
  auto held = detail::Access::start_session_held(*h.client, held_options);
  SessionOptions marker_options;
  marker_options.on_state_change = marker_changes.callback();
  auto marker = h.client->start_session(marker_options);

  held->pause();
  marker->pause();
  // One callback thread runs posts in order: the marker's change ran, the held one was never posted.
  REQUIRE(marker_changes.wait_for(1));
  CHECK(held_changes.changes().empty());

  detail::Access::open_callbacks(*held);
  REQUIRE(held_changes.wait_for(1));
  CHECK(held_changes.changes().at(0).to == SessionState::paused_by_user);
}

TEST_CASE("session shell: an audio-only session's callback runs on the caller, before the call returns",
          "[unit][session]") {
  Harness h;
  std::vector<std::pair<SessionState, std::thread::id>> seen;
  SessionOptions o;
  o.audio_only = true;
  o.on_state_change = [&seen](const StateChange& c) { seen.emplace_back(c.to, std::this_thread::get_id()); };
  auto s = h.client->start_session(o);
  s->pause();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].first == SessionState::paused_by_user);
  CHECK(seen[0].second == std::this_thread::get_id());
  s->stop();
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].first == SessionState::stopped);
  CHECK(h.transport->sync_requests().empty());  // free: no token exchange
}

TEST_CASE("session shell: balance updates behind a slow callback coalesce into the latest", "[unit][session]") {
  Harness h(60, 300);
  CallbackGate gate;
  std::mutex mutex;
  std::vector<double> balances;
  SessionOptions o;
  o.on_balance = [&](const BalanceUpdate& b) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      balances.push_back(b.balance);
    }
    if (b.balance == 100) gate.wait_open();  // the grant's balance: hold the thread here
  };
  auto s = h.client->start_session(o);
  REQUIRE(gate.wait_entered());

  for (double balance : {90.0, 80.0, 70.0}) {
    const std::size_t n = h.transport->requests().size();
    h.clock->advance(60s);
    REQUIRE(h.transport->wait_for_requests(n + 1));
    REQUIRE(h.transport->respond(ack_response(balance)));
    REQUIRE(h.transport->wait_until_delivered());
  }
  CHECK(s->stats().balance == Approx(70));
  gate.open();
  REQUIRE(wait_until(
      [&] {
        std::lock_guard<std::mutex> lock(mutex);
        return balances.size() >= 2;
      },
      5s));
  h.client.reset();  // shutdown runs the callback thread's queue to its end
  std::lock_guard<std::mutex> lock(mutex);
  CHECK(balances == std::vector<double>{100, 70});
}

TEST_CASE("session shell: stats() freeze at stop(), as the release carries them", "[unit][session]") {
  Harness h;
  auto s = h.client->start_session();
  s->frame();
  h.clock->advance(400ms);
  s->frame();
  const auto active = s->stats().active_ms;
  CHECK(active == 400);
  s->stop();
  h.clock->advance(400ms);
  s->frame();
  CHECK(s->stats().active_ms == active);
}

TEST_CASE("session shell: ~Session waits for its callback running on the callback thread", "[unit][session]") {
  Harness h;
  CallbackGate gate;
  std::atomic<bool> returned{false};
  SessionOptions o;
  o.on_state_change = [&](const StateChange&) {
    gate.wait_open();
    returned = true;
  };
  auto s = h.client->start_session(o);
  s->pause();
  REQUIRE(gate.wait_entered());
  // The release comes once ~Session says it waits (after a second): no sleep decides it.
  std::thread releaser([&] {
    wait_until([&] { return logged(h, "~Session waits for its state-change callback to return"); }, 10s);
    gate.open();
  });
  s.reset();
  CHECK(returned);  // ~Session returned only after the callback did
  releaser.join();
}

TEST_CASE("session shell: record() appends in memory, the scheduler journals the events and sends one batch after the delay",
          "[unit][session][events]") {
  TempDir dir;
  Harness h(60, 300, dir.path());
  auto s = h.client->start_session();
  const std::string a = s->record("llm_gpt4");
  const std::string b = s->record("tts_seconds", 12.5);
  CHECK(a != b);
  CHECK(s->stats().events_recorded == 2);
  CHECK(s->stats().events_pending == 2);
  CHECK(h.transport->requests().empty());  // no I/O in record()
  // Past the journal's step (50-100 ms) and the batch delay (1 s): one batch with both.
  h.clock->advance(1100ms);
  REQUIRE(h.transport->wait_for_requests(1));
  const auto batch = h.transport->requests().at(0);
  CHECK(batch.url == "http://127.0.0.1:9/v1/usage-events");
  CHECK(batch.body.find(a) != std::string::npos);
  CHECK(batch.body.find(b) != std::string::npos);
  CHECK(batch.body.find("\"quantity\":12.5") != std::string::npos);
  // Journaled before it was sent (the group commit of that turn).
  std::string journal_bytes;
  {
    const std::string jdir = detail::Journal::directory(dir.path(), "http://127.0.0.1:9",
                                                       detail::account_key_from_secret(Harness::kSecret));
    DIR* d = ::opendir(jdir.c_str());
    REQUIRE(d != nullptr);
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n.size() > 8 && n.compare(n.size() - 8, 8, ".journal") == 0) {
        std::ifstream in(jdir + "/" + n);
        journal_bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
    }
    ::closedir(d);
  }
  CHECK(journal_bytes.find("\"event_id\":\"" + a + "\"") != std::string::npos);
  CHECK(journal_bytes.find("\"type\":\"event\"") != std::string::npos);
  REQUIRE(h.transport->respond(json_response(
      200, {{"balance", 88.959}, {"accepted", {a, b}}, {"duplicates", nlohmann::json::array()},
            {"rejected", nlohmann::json::array()}, {"charges", {{a, 10.0}, {b, 1.041}}}})));
  REQUIRE(h.client->flush(5s));
  const SessionStats st = s->stats();
  CHECK(st.events_acknowledged == 2);
  CHECK(st.events_pending == 0);
  CHECK(st.credits_charged == Approx(11.041));
  CHECK(st.balance == Approx(88.959));
  CHECK(h.client->usage().events_acknowledged == 2);
}

TEST_CASE("session shell: record() refuses a stopped and an audio-only session, and bad input", "[unit][session][events]") {
  Harness h;
  auto s = h.client->start_session();
  CHECK_THROWS_AS(s->record(""), InvalidArgument);
  CHECK_THROWS_AS(s->record("x", -0.5), InvalidArgument);
  CHECK_THROWS_AS(s->record("x", 2e12), InvalidArgument);
  CHECK_THROWS_AS(s->record(std::string("a\0b", 3)), InvalidArgument);
  s->stop();
  CHECK_THROWS_WITH(s->record("llm_gpt4"), Catch::Contains("before stop()"));
  SessionOptions audio;
  audio.audio_only = true;
  auto a = h.client->start_session(audio);
  CHECK_THROWS_WITH(a->record("llm_gpt4"), Catch::Contains("audio-only"));
  CHECK(s->stats().events_recorded == 0);
}

// Credits against the real emulator: balance updates, low-balance alerts, spending caps,
// estimates, and a client's usage.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "integration_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

struct Recorder {
  std::mutex mutex;
  std::vector<BalanceUpdate> balances, lows;
  std::vector<StateChange> states;
  void attach(SessionOptions& o) {
    o.on_balance = [this](const BalanceUpdate& b) {
      std::lock_guard<std::mutex> lock(mutex);
      balances.push_back(b);
    };
    o.on_low_balance = [this](const BalanceUpdate& b) {
      std::lock_guard<std::mutex> lock(mutex);
      lows.push_back(b);
    };
    o.on_state_change = [this](const StateChange& c) {
      std::lock_guard<std::mutex> lock(mutex);
      states.push_back(c);
    };
  }
  std::size_t low_count() {
    std::lock_guard<std::mutex> lock(mutex);
    return lows.size();
  }
  std::size_t balance_count() {
    std::lock_guard<std::mutex> lock(mutex);
    return balances.size();
  }
};

struct CreditsFixture {
  EmulatorProcess emu;
  std::string secret = unique_secret("credits");
  explicit CreditsFixture(double balance) {
    emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 3}});
    emu.create_account(secret, "creator", balance);
  }
};

}  // namespace

TEST_CASE("every balance change reaches the app, with minutes left at the session's rate", "[integration][credits][smoke]") {
  CreditsFixture f(100);
  Client client(client_options(f.emu, f.secret));
  Recorder rec;
  SessionOptions o;
  rec.attach(o);
  auto s = client.start_session(o);
  Renderer r(*s);
  REQUIRE(wait_until([&] { return rec.balance_count() >= 3; }, 8s));
  r.stop();
  s->stop();
  REQUIRE(client.flush(5s));
  // The release's balance update reaches the callback thread after flush() returned: wait
  // for the callbacks to have caught up with the stats before comparing them.
  const double final_balance = s->stats().balance;
  REQUIRE(wait_until(
      [&] {
        std::lock_guard<std::mutex> lock(rec.mutex);
        return rec.balances.back().balance == Approx(final_balance);
      },
      5s));
  std::lock_guard<std::mutex> lock(rec.mutex);
  CHECK(rec.balances.front().balance == Approx(100));
  CHECK(rec.balances.front().minutes_left == Approx(50));  // essence/cloud: 2 credits a minute
  for (std::size_t i = 1; i < rec.balances.size(); ++i) CHECK(rec.balances[i].balance <= rec.balances[i - 1].balance);
  CHECK(s->stats().balance == Approx(rec.balances.back().balance));
  CHECK(s->stats().minutes_left == Approx(s->stats().balance / 2));
  CHECK(rec.lows.empty());  // 50 minutes left: far above the 5-minute default
}

TEST_CASE("a low-balance alert fires once per downward crossing and re-arms after a top-up", "[integration][credits]") {
  CreditsFixture f(10);
  Client client(client_options(f.emu, f.secret));
  Recorder rec;
  SessionOptions o;
  o.low_balance_credits = 9.98;  // crossed within a second of rendering at 2 credits/min
  rec.attach(o);
  auto s = client.start_session(o);
  Renderer r(*s);
  REQUIRE(wait_until([&] { return rec.low_count() == 1; }, 8s));
  const auto before = s->stats().heartbeats_ok;
  REQUIRE(wait_until([&] { return s->stats().heartbeats_ok >= before + 2; }, 5s));
  CHECK(rec.low_count() == 1);  // still below: no second alert
  f.emu.topup(f.secret, 5);
  REQUIRE(wait_until([&] { return s->stats().balance > 9.98; }, 5s));
  CHECK(rec.low_count() == 1);
  // Fall below again: a second alert. Revoke the top-up's effect by lowering the threshold's margin.
  s->stop();
  r.stop();
  REQUIRE(client.flush(5s));
  {
    std::lock_guard<std::mutex> lock(rec.mutex);
    CHECK(rec.lows.front().balance < 9.98);
  }
  // A new session on the same (now topped-up) account with a threshold above the balance
  // alerts at once: the balance is already low when it starts.
  Recorder rec2;
  SessionOptions o2;
  o2.low_balance_credits = 1000;
  rec2.attach(o2);
  auto s2 = client.start_session(o2);
  REQUIRE(wait_until([&] { return rec2.low_count() == 1; }, 3s));
}

TEST_CASE("a session's spending cap pauses it before the cap is crossed, raising it resumes", "[integration][credits][smoke]") {
  CreditsFixture f(100);
  Client client(client_options(f.emu, f.secret));
  Recorder rec;
  SessionOptions o;
  o.max_credits = 0.05;  // 1.5 s at 2 credits/min
  rec.attach(o);
  auto s = client.start_session(o);
  Renderer r(*s);
  REQUIRE(wait_until([&] { return s->state() == SessionState::paused_billing; }, 8s));
  CHECK(s->reason() == Reason::spend_cap);
  CHECK_FALSE(s->may_render());
  REQUIRE(client.flush(5s));
  CHECK(s->stats().credits_charged <= 0.05 + 1e-9);
  s->set_max_credits(1.0);
  REQUIRE(wait_until([&] { return s->state() == SessionState::active; }, 3s));
  REQUIRE(wait_until([&] { return s->stats().credits_charged > 0.05; }, 8s));
  r.stop();
  s->stop();
  REQUIRE(client.flush(5s));
  const auto row = f.emu.ledger_session(s->id());
  CHECK(row.at("active_ms").get<std::int64_t>() == s->stats().active_ms);
  std::lock_guard<std::mutex> lock(rec.mutex);
  CHECK(std::any_of(rec.states.begin(), rec.states.end(), [](const StateChange& c) {
    return c.to == SessionState::paused_billing && c.reason == Reason::spend_cap;
  }));
}

TEST_CASE("a client's spending cap holds all its sessions", "[integration][credits]") {
  CreditsFixture f(100);
  ClientOptions co = client_options(f.emu, f.secret);
  co.max_credits = 0.06;
  Client client(co);
  auto a = client.start_session();
  auto b = client.start_session();
  Renderer ra(*a), rb(*b);
  REQUIRE(wait_until([&] { return a->state() == SessionState::paused_billing && b->state() == SessionState::paused_billing; }, 8s));
  CHECK(a->reason() == Reason::spend_cap);
  client.set_max_credits(std::nullopt);
  REQUIRE(wait_until([&] { return a->state() == SessionState::active && b->state() == SessionState::active; }, 3s));
  ra.stop();
  rb.stop();
  a->stop();
  b->stop();
  REQUIRE(client.flush(5s));
  const ClientUsage u = client.usage();
  CHECK(u.sessions == 2);
  CHECK(u.active_ms == a->stats().active_ms + b->stats().active_ms);
  CHECK(u.reported_ms == u.active_ms);
  CHECK(u.credits_charged == Approx(a->stats().credits_charged + b->stats().credits_charged));
}

TEST_CASE("estimates match the account balance and the rate card", "[integration][credits][smoke]") {
  CreditsFixture f(45.5);
  Client client(client_options(f.emu, f.secret));
  CHECK(client.estimate("essence", "cloud") == 22);
  CHECK(client.estimate("expression", "cloud") == 11);
  CHECK(client.estimate("essence", "self_hosted") == 45);
  CHECK(client.estimate("expression", "on_device") == 22);
  CHECK_THROWS_AS(client.estimate("hologram", "moon"), InvalidArgument);
}

TEST_CASE("events_credits_charged is the ledger's event charges, duplicates included, and the rest is time",
          "[integration][credits][events]") {
  CreditsFixture f(1000);
  Client client(client_options(f.emu, f.secret));
  Recorder rec;
  SessionOptions o;
  rec.attach(o);
  auto s = client.start_session(o);
  Renderer r(*s);
  // The first batch's answer is lost after the server charged it: the retry comes back as
  // duplicates, with their charges, which count as the first answer's would have.
  f.emu.fault({{"mode", "status"}, {"status", 503}, {"apply", true}, {"path", "/v1/usage-events"}, {"count", 1}});
  for (int i = 0; i < 10; ++i) s->record("api_request");  // 0.1 each: 1.0, never 0.9999999999999999
  s->record("tts_seconds", 12.5);                          // 1.041
  REQUIRE(client.flush(15s));
  REQUIRE(wait_until([&] { return s->stats().active_ms >= 1500; }, 10s));
  r.stop();
  s->stop();
  REQUIRE(client.flush(10s));
  const auto row = f.emu.ledger_session(s->id());
  const SessionStats st = s->stats();
  CHECK(st.events_acknowledged == 11);
  CHECK(row.at("event_credits_charged").get<double>() == 2.041);
  CHECK(st.events_credits_charged == row.at("event_credits_charged").get<double>());  // exactly
  CHECK(row.at("time_credits_charged").get<double>() > 0);
  CHECK(st.credits_charged - st.events_credits_charged ==
        Approx(row.at("time_credits_charged").get<double>()).margin(1e-9));
  CHECK(client.usage().events_credits_charged == st.events_credits_charged);
  std::lock_guard<std::mutex> lock(rec.mutex);
  REQUIRE_FALSE(rec.balances.empty());
  for (const auto& b : rec.balances) CHECK(b.unit == "credits");
}

TEST_CASE("a USD account's balance updates say USD", "[integration][credits][events]") {
  EmulatorProcess emu;
  emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 3}});
  const std::string secret = unique_secret("usd_balance");
  emu.admin("POST", "/admin/accounts", {{"api_secret", secret}, {"balance", 20}, {"unit", "USD"}});
  Client client(client_options(emu, secret));
  Recorder rec;
  SessionOptions o;
  rec.attach(o);
  auto s = client.start_session(o);
  s->record("photo_avatar_generation");  // 0.25
  REQUIRE(client.flush(10s));
  // The events answer's balance reaches the callback thread after flush() returns.
  REQUIRE(wait_until(
      [&] {
        std::lock_guard<std::mutex> lock(rec.mutex);
        return !rec.balances.empty() && rec.balances.back().session_credits == 0.25;
      },
      5s));
  std::lock_guard<std::mutex> lock(rec.mutex);
  for (const auto& b : rec.balances) CHECK(b.unit == "USD");
  CHECK(rec.balances.back().balance == Approx(19.75));
}

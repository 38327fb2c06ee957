// SessionMachine states: the precedence stopped > paused_by_user > paused_billing >
// paused_offline > active, every transition announced once and in order, local holds,
// stop and its release, token adoption.

#include <catch2/catch.hpp>

#include <vector>

#include "session_machine_rig.hpp"

using namespace cmtest;

namespace {

// Every change starts where the previous one ended, starting from active.
void require_chained(const std::vector<StateChange>& changes) {
  SessionState at = SessionState::active;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    INFO("change " << i);
    CHECK(changes[i].from == at);
    CHECK_FALSE(changes[i].message.empty());
    at = changes[i].to;
  }
}

// The release goes out at once carrying `expected_ms`; its 2xx finishes the session.
void release_and_finish(Rig& r, std::int64_t expected_ms) {
  const Outgoing rel = r.send();
  CHECK(rel.kind == Outgoing::Kind::release);
  CHECK(rel.active_ms == expected_ms);
  r.reply(ok());
  CHECK(r.m.finished());
}

}  // namespace

TEST_CASE("pause and resume by the user, announced once each", "[unit][machine][states]") {
  Rig r;
  r.m.pause();
  r.m.pause();
  CHECK(r.m.state() == SessionState::paused_by_user);
  CHECK(r.m.reason() == Reason::user);
  r.m.resume();
  r.m.resume();
  CHECK(r.m.state() == SessionState::active);
  const auto changes = r.take();
  REQUIRE(changes.size() == 2);
  require_change(changes[0], SessionState::active, SessionState::paused_by_user, Reason::user);
  require_change(changes[1], SessionState::paused_by_user, SessionState::active, Reason::user);
  // Nothing held the session on the server side: no probe.
  CHECK_FALSE(r.poll().has_value());
}

TEST_CASE("a user pause hides a billing pause, and resume() reveals it", "[unit][machine][states]") {
  Rig r;
  r.beat(60000, status(402, "INSUFFICIENT_BALANCE"));
  r.m.pause();
  CHECK(r.m.state() == SessionState::paused_by_user);
  r.beat(0, status(402, "INSUFFICIENT_BALANCE"));  // heartbeats go on under the user pause
  r.elapse(1s);
  r.m.resume();
  CHECK(r.m.state() == SessionState::paused_billing);
  CHECK(r.m.reason() == Reason::insufficient_credits);
  const Outgoing probe = r.send();  // at once
  CHECK(probe.active_ms == 0);
  r.reply(ok());
  const auto changes = r.take();
  REQUIRE(changes.size() == 4);
  require_chained(changes);
  require_change(changes[0], SessionState::active, SessionState::paused_billing, Reason::insufficient_credits);
  require_change(changes[1], SessionState::paused_billing, SessionState::paused_by_user, Reason::user);
  require_change(changes[2], SessionState::paused_by_user, SessionState::paused_billing, Reason::insufficient_credits);
  require_change(changes[3], SessionState::paused_billing, SessionState::active, Reason::none);
}

TEST_CASE("a top-up during a user pause: resume() is then immediate", "[unit][machine][states]") {
  Rig r;
  r.beat(60000, status(402, "INSUFFICIENT_BALANCE"));
  r.m.pause();
  r.beat(0);  // topped up: 2xx while paused by the user
  CHECK(r.m.state() == SessionState::paused_by_user);
  r.m.resume();
  CHECK(r.m.state() == SessionState::active);
  CHECK_FALSE(r.poll().has_value());  // no hold left: no probe
  const auto changes = r.take();
  REQUIRE(changes.size() == 3);
  require_chained(changes);
  require_change(changes[2], SessionState::paused_by_user, SessionState::active, Reason::user);
}

TEST_CASE("resume() while offline announces paused_offline and probes at once", "[unit][machine][states]") {
  Rig r(60s, 300s);
  const Outgoing first = r.first_heartbeat(no_answer());
  r.m.pause();
  r.at(300s);  // the grace expires during the user pause: not announced (user pause wins)
  r.advance();
  CHECK(r.m.state() == SessionState::paused_by_user);
  r.at(400s);
  r.advance();
  // A retry waiting far ahead must not delay the probe.
  r.send();
  *r.random = 0.9999999;
  r.reply(no_answer());
  REQUIRE(r.m.next_wakeup() > r.now + 1s);
  r.m.resume();
  CHECK(r.m.state() == SessionState::paused_offline);
  CHECK(r.m.reason() == Reason::grace_expired);
  CHECK(r.m.next_wakeup() <= r.now);
  require_same_request(r.send(), first);
  r.reply(ok());
  CHECK(r.m.state() == SessionState::active);
  const auto changes = r.take();
  REQUIRE(changes.size() == 3);
  require_chained(changes);
  require_change(changes[0], SessionState::active, SessionState::paused_by_user, Reason::user);
  require_change(changes[1], SessionState::paused_by_user, SessionState::paused_offline, Reason::grace_expired);
  require_change(changes[2], SessionState::paused_offline, SessionState::active, Reason::none);
}

TEST_CASE("a billing pause hides an offline pause", "[unit][machine][states]") {
  Rig r(60s, 300s);
  r.beat(60000, status(402, "INSUFFICIENT_BALANCE"));
  r.beat(0, status(503));
  r.at(301s);  // the grace (from the token exchange: a 402 is no 2xx) expires
  r.advance();
  CHECK(r.m.state() == SessionState::paused_billing);
  CHECK(r.m.reason() == Reason::insufficient_credits);
  CHECK(r.take().size() == 1);
  r.next_send();
  r.reply(ok());  // one 2xx lifts both
  CHECK(r.m.state() == SessionState::active);
  const auto changes = r.take();
  REQUIRE(changes.size() == 1);
  require_change(changes[0], SessionState::paused_billing, SessionState::active, Reason::none);
}

TEST_CASE("an offline pause turns into a billing pause when the server answers 402",
          "[unit][machine][states]") {
  Rig r(60s, 120s);
  r.beat(60000, status(503));
  r.at(120s);
  r.advance();
  REQUIRE(r.m.state() == SessionState::paused_offline);
  r.next_send();
  r.reply(status(402, "INSUFFICIENT_BALANCE"));
  CHECK(r.m.state() == SessionState::paused_billing);
  CHECK(r.m.reported_ms() == 60000);
  const auto changes = r.take();
  REQUIRE(changes.size() == 2);
  require_change(changes[1], SessionState::paused_offline, SessionState::paused_billing,
                 Reason::insufficient_credits);
}

TEST_CASE("local holds: spend_cap and journal_full are paused_billing reasons", "[unit][machine][states]") {
  Rig r;
  hold(r.m, Reason::spend_cap);
  hold(r.m, Reason::spend_cap);
  CHECK(r.m.state() == SessionState::paused_billing);
  CHECK(r.m.reason() == Reason::spend_cap);
  r.beat(60000);  // a 2xx does not lift a local hold
  CHECK(r.m.state() == SessionState::paused_billing);
  lift(r.m, Reason::spend_cap);
  CHECK(r.m.state() == SessionState::active);
  CHECK(r.m.reason() == Reason::none);
  hold(r.m, Reason::journal_full);
  CHECK(r.m.state() == SessionState::paused_billing);
  CHECK(r.m.reason() == Reason::journal_full);
  lift(r.m, Reason::journal_full);
  lift(r.m, Reason::journal_full);
  CHECK(r.m.state() == SessionState::active);
  const auto changes = r.take();
  REQUIRE(changes.size() == 4);
  require_chained(changes);
  require_change(changes[0], SessionState::active, SessionState::paused_billing, Reason::spend_cap);
  CHECK_THAT(changes[0].message, Catch::Contains("spending cap"));
  require_change(changes[1], SessionState::paused_billing, SessionState::active, Reason::none);
  require_change(changes[2], SessionState::active, SessionState::paused_billing, Reason::journal_full);
  CHECK_THAT(changes[2].message, Catch::Contains("journal"));
  require_change(changes[3], SessionState::paused_billing, SessionState::active, Reason::none);
}

TEST_CASE("a server billing reason outranks a local hold", "[unit][machine][states]") {
  Rig r;
  r.beat(60000, status(402, "INSUFFICIENT_BALANCE"));
  hold(r.m, Reason::spend_cap);
  CHECK(r.m.reason() == Reason::insufficient_credits);
  lift(r.m, Reason::spend_cap);
  CHECK(r.m.state() == SessionState::paused_billing);
  CHECK(r.take().size() == 1);  // only the 402
  hold(r.m, Reason::spend_cap);
  r.beat(0);  // the top-up lifts the server's reason; the local one remains
  CHECK(r.m.state() == SessionState::paused_billing);
  CHECK(r.m.reason() == Reason::spend_cap);
  const auto changes = r.take();
  REQUIRE(changes.size() == 1);
  require_change(changes[0], SessionState::paused_billing, SessionState::paused_billing, Reason::spend_cap);
}

TEST_CASE("stop outranks everything and is announced once", "[unit][machine][states][stop]") {
  Rig r;
  r.beat(60000, status(402, "INSUFFICIENT_BALANCE"));
  r.m.pause();
  r.m.stop(r.total);
  r.m.stop(r.total);
  r.m.resume();
  r.m.pause();
  hold(r.m, Reason::spend_cap);
  CHECK(r.m.state() == SessionState::stopped);
  CHECK(r.m.reason() == Reason::stopped);
  r.send();
  r.reply(status(402, "INSUFFICIENT_BALANCE"));
  r.elapse(1h);
  r.advance();  // no grace expiry once stopped
  const auto changes = r.take();
  REQUIRE(changes.size() == 3);
  require_chained(changes);
  require_change(changes[2], SessionState::paused_by_user, SessionState::stopped, Reason::stopped);
  CHECK(r.m.finished());
}

TEST_CASE("stop: the release carries exactly final - sent", "[unit][machine][stop]") {
  Rig r;
  r.beat(60000);
  r.elapse(12345ms, 12345);
  r.m.stop(r.total);
  CHECK_FALSE(r.m.finished());
  CHECK_FALSE(r.m.delivered(0));
  CHECK(r.m.unacknowledged_ms(0) == 12345);  // the meter's later readings no longer matter
  CHECK(r.m.next_wakeup() <= r.now);
  const Outgoing rel = r.send();  // at once
  CHECK(rel.kind == Outgoing::Kind::release);
  CHECK(rel.seq == 2);
  CHECK(rel.idempotency_key == kSid + ":2");
  CHECK(rel.active_ms == 12345);
  CHECK(rel.body == core::release_body(kSid, 2, 12345));
  r.reply(status(503));
  CHECK_FALSE(r.m.finished());
  require_same_request(r.next_send(), rel);
  r.reply(ok());
  CHECK(r.m.finished());
  CHECK(r.m.delivered(1000000));
  CHECK(r.m.reported_ms() == 72345);
  CHECK(r.m.unacknowledged_ms(0) == 0);
  CHECK_FALSE(r.poll().has_value());
  CHECK(r.m.next_wakeup() == TimePoint::max());
}

TEST_CASE("stop while a heartbeat is on the wire: its answer, then the release", "[unit][machine][stop]") {
  Rig r;
  r.at(60s, true);
  const Outgoing hb = r.send();
  r.elapse(700ms, 700);
  r.m.stop(r.total);
  CHECK_FALSE(r.poll().has_value());  // one request at a time

  SECTION("answered 2xx") {
    r.reply(ok());
    const Outgoing rel = r.send();
    CHECK(rel.kind == Outgoing::Kind::release);
    CHECK(rel.seq == 2);
    CHECK(rel.active_ms == 700);
    r.reply(ok());
  }
  SECTION("answered 503: the heartbeat is retried first, then the release") {
    *r.random = 0.0;
    r.reply(status(503));
    require_same_request(r.send(), hb);
    CHECK_FALSE(r.m.finished());
    r.reply(ok());
    const Outgoing rel = r.send();
    CHECK(rel.seq == 2);
    CHECK(rel.active_ms == 700);
    r.reply(ok());
  }
  SECTION("answered 422: the release carries the burnt heartbeat's usage") {
    r.reply(status(422, "IDEMPOTENCY_MISMATCH"));
    const Outgoing rel = r.send();
    CHECK(rel.kind == Outgoing::Kind::release);
    CHECK(rel.seq == 2);
    CHECK(rel.active_ms == 60700);
    r.reply(ok());
  }
  CHECK(r.m.finished());
  CHECK(r.m.reported_ms() == 60700);
}

TEST_CASE("stop while a heartbeat waits for its retry: it goes at once", "[unit][machine][stop]") {
  Rig r;
  *r.random = 0.9999999;
  const Outgoing hb = r.first_heartbeat(status(503));
  REQUIRE(r.m.next_wakeup() > r.now);
  r.m.stop(r.total);
  require_same_request(r.send(), hb);
  r.reply(ok());
  release_and_finish(r, 0);
}

TEST_CASE("stop while the token is refused: re-attach, resend, release", "[unit][machine][stop][token]") {
  Rig r;
  const Outgoing hb = r.first_heartbeat(status(401, "TOKEN_EXPIRED"));
  r.m.stop(r.total + 5);
  CHECK(r.send().kind == Outgoing::Kind::token_exchange);
  auto g = make_grant();
  g.token = make_jwt(kExp0 + 300);
  r.reply(exchange_ok(g));
  require_same_request(r.send(), hb);
  r.reply(ok());
  release_and_finish(r, 5);
}

TEST_CASE("stop while a re-attach waits for its retry: it goes at once", "[unit][machine][stop][token]") {
  Rig r;
  *r.random = 0.9999999;
  r.first_heartbeat(status(401, "TOKEN_EXPIRED"));
  const Outgoing ex = r.send();
  r.reply(status(503));
  CHECK_FALSE(r.poll().has_value());
  r.m.stop(r.total);
  require_same_request(r.send(), ex);
}

TEST_CASE("a release answered 402 or 403 KEY_REVOKED still counts as acknowledged", "[unit][machine][stop]") {
  const Answer answers[] = {status(402, "INSUFFICIENT_BALANCE"), status(403, "KEY_REVOKED")};
  for (const auto& a : answers) {
    INFO(a.http_status);
    Rig r;
    r.elapse(30s, 30000);
    r.m.stop(r.total);
    const Outgoing rel = r.send();
    CHECK(rel.seq == 1);
    CHECK(rel.active_ms == 30000);
    r.reply(a);
    CHECK(r.m.finished());
    CHECK(r.m.delivered(30000));
    CHECK(r.m.reported_ms() == 30000);
    CHECK(r.m.state() == SessionState::stopped);
    CHECK_FALSE(r.poll().has_value());
  }
}

TEST_CASE("token adoption: only a later `exp` replaces the token", "[unit][machine][token]") {
  Rig r;
  const std::string t0 = r.m.token();
  const std::string later = make_jwt(kExp0 + 60);
  const std::string earlier = make_jwt(kExp0 + 30);
  const std::string same_exp = make_jwt(kExp0 + 60, "other-sid");
  REQUIRE(same_exp != later);

  r.beat(0, ok(100, 0, later, kExp0 + 60));
  CHECK(r.m.token() == later);
  r.beat(0, ok(100, 0, earlier, kExp0 + 30));  // answers can arrive out of order
  CHECK(r.m.token() == later);
  r.beat(0, ok(100, 0, same_exp, kExp0 + 60));
  CHECK(r.m.token() == later);
  r.beat(0, ok(100, 0, earlier, kExp0 + 9999));  // the JWT's own exp wins over the body's
  CHECK(r.m.token() == later);
  r.beat(0, ok(100, 0, "opaque", kExp0 + 120));  // not a JWT: the body's expires_at decides
  CHECK(r.m.token() == "opaque");
  r.beat(0, ok(100, 0, "opaque-2", 0));
  CHECK(r.m.token() == "opaque");
  const std::string latest = make_jwt(kExp0 + 600);
  r.beat(0, status(402, "INSUFFICIENT_BALANCE"));
  r.beat(0, ok(100, 0, latest, 0));
  CHECK(r.m.token() == latest);
  CHECK(t0 != latest);
}

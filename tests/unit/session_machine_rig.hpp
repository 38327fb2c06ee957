#pragma once
// Helpers of the session_machine_*_test.cpp unit tests: unsigned JWTs, token grants, server answers, and
// `Rig`, a core::SessionMachine driven with times the test chooses (no clock, no thread).

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/protocol.hpp"
#include "core/session_machine.hpp"
#include "creditmeter/state.hpp"

namespace creditmeter {
// Readable Catch2 failure messages for the enums the tests compare.
inline std::ostream& operator<<(std::ostream& os, SessionState s) { return os << to_string(s); }
inline std::ostream& operator<<(std::ostream& os, Reason r) { return os << to_string(r); }
}  // namespace creditmeter

namespace cmtest {

using namespace std::chrono_literals;
namespace core = creditmeter::core;
using creditmeter::Reason;
using creditmeter::SessionState;
using creditmeter::StateChange;
using core::Answer;
using core::Outgoing;
using core::TimePoint;
using std::chrono::milliseconds;

constexpr std::int64_t kWall0 = 1700000000000;  // 2023-11-14T22:13:20.000Z, Unix ms
constexpr std::int64_t kExp0 = 1700000300;      // `exp` of the first token, Unix s
inline const std::string kSid = "sess-1";

// base64url without padding (RFC 4648 §5), as JWTs use it.
inline std::string base64url(const std::string& in) {
  static const char* const kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(n >> shift) & 63];
  }
  if (in.size() - i == 1) {
    const unsigned n = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (in.size() - i == 2) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

// An unsigned JWT whose payload is `claims` (the client never verifies signatures).
inline std::string jwt_with_claims(const std::string& claims) {
  return base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(claims) + ".c2ln";
}
inline std::string make_jwt(std::int64_t exp, const std::string& sid = kSid) {
  return jwt_with_claims(nlohmann::json{{"sub", "acct_1"}, {"sid", sid}, {"exp", exp}}.dump());
}

inline core::TokenGrant make_grant(milliseconds interval = 60s, milliseconds grace = 300s,
                                   std::string token = make_jwt(kExp0)) {
  core::TokenGrant g;
  g.token = std::move(token);
  g.session_id = kSid;
  g.expires_at = kExp0;
  g.heartbeat_interval = interval;
  g.offline_grace = grace;
  g.credits_per_minute = 2;
  g.balance = 100;
  return g;
}

// --- answers, as the shell builds them from HTTP responses ------------------------------

// A 2xx heartbeat/release answer.
inline Answer ok(double balance = 100, double charged = 0.5, std::string token = {},
                 std::int64_t expires_at = 0) {
  Answer a;
  a.kind = core::AnswerKind::ok;
  a.http_status = 200;
  core::UsageAck ack;
  ack.balance = balance;
  ack.credits_charged = charged;
  ack.token = std::move(token);
  ack.expires_at = expires_at;
  a.ack = ack;
  return a;
}

// An error answer. 402 and 403 carry a readable ack (the server recorded the usage).
inline Answer status(int http, std::string code = {}, std::optional<milliseconds> retry_after = {}) {
  Answer a;
  a.http_status = http;
  a.api_error.http_status = http;
  a.api_error.code = std::move(code);
  a.api_error.message = "scripted";
  a.api_error.retry_after = retry_after;
  a.kind = core::classify(http, a.api_error.code);
  if (http == 402 || http == 403) {
    core::UsageAck ack;
    ack.balance = http == 402 ? -0.25 : 0;
    ack.credits_charged = 0.25;
    a.ack = ack;
  }
  return a;
}

// No HTTP answer at all: refused connection, timeout, reset.
inline Answer no_answer() {
  Answer a;
  a.error = "Connection refused";
  return a;
}

// A 2xx whose body did not parse (a captive portal, a proxy): no ack, no grant.
inline Answer unreadable_2xx() {
  Answer a;
  a.kind = core::AnswerKind::offline;  // decode_answer's verdict on an unreadable 2xx
  a.http_status = 200;
  a.error = "unreadable answer: server answer is not a JSON object";
  return a;
}

// A 2xx token-exchange answer.
inline Answer exchange_ok(const core::TokenGrant& grant) {
  Answer a;
  a.kind = core::AnswerKind::ok;
  a.http_status = 200;
  a.grant = grant;
  return a;
}

// --- the rig ------------------------------------------------------------------------------

// A SessionMachine with a controllable time, wall clock, meter total and random source.
// Construction is the token exchange, at t0 (monotonic) and kWall0 (wall).
struct Rig {
  std::shared_ptr<double> random = std::make_shared<double>(0.5);  // what random01() returns
  TimePoint t0{std::chrono::hours(1)};
  TimePoint now = t0;
  std::int64_t wall = kWall0;
  std::int64_t total = 0;  // the meter's active total
  core::SessionMachine m;
  std::vector<StateChange> changes;  // every change so far, in order
  std::size_t taken = 0;             // how many of them take() returned

  explicit Rig(milliseconds interval = 60s, milliseconds grace = 300s,
               const core::TokenGrant& grant = {})
      : m(kSid, "essence", "cloud",
          grant.token.empty() ? make_grant(interval, grace) : grant, t0, kWall0,
          [r = random] { return *r; }) {}

  bool rendering = false;  // whether time passing in walks (next_send...) is rendered

  // Time passes; `active` ms of it were rendered (frames counted by the meter); by default
  // all of it or none, as `rendering` says.
  void elapse(milliseconds d, std::int64_t active = -1) {
    now += d;
    wall += d.count();
    total += active >= 0 ? active : (rendering ? d.count() : 0);
  }
  void elapse_to(TimePoint t) {
    if (t > now) elapse(std::chrono::duration_cast<milliseconds>(t - now));
  }
  // Moves to t0 + `since_start`, rendering all the while when `rendering`.
  void at(milliseconds since_start, bool render = false) {
    const milliseconds d = std::chrono::duration_cast<milliseconds>(t0 + since_start - now);
    REQUIRE(d.count() >= 0);
    elapse(d, render ? d.count() : 0);
  }
  milliseconds since_start() const { return std::chrono::duration_cast<milliseconds>(now - t0); }

  std::optional<Outgoing> poll() { return m.next_request(now, wall, total); }
  Outgoing send() {
    auto r = poll();
    REQUIRE(r.has_value());
    return *r;
  }
  void reply(const Answer& a) {
    m.on_answer(now, a);
    collect();
  }
  void advance() {
    m.advance(now);
    collect();
  }
  // The changes not yet taken.
  std::vector<StateChange> take() {
    collect();
    std::vector<StateChange> out(changes.begin() + static_cast<std::ptrdiff_t>(taken), changes.end());
    taken = changes.size();
    return out;
  }
  void collect() {
    for (auto& c : m.take_changes()) changes.push_back(std::move(c));
  }
  // Walks the machine's wakeups, as the scheduler does, until it puts a request on the wire;
  // at `limit` (applied with advance()) without one: nullopt. A wakeup may find nothing to
  // do, but one that is already due and still finds nothing would be a busy loop.
  std::optional<Outgoing> next_send_before(TimePoint limit) {
    for (int i = 0; i < 100000; ++i) {
      if (auto out = poll()) return out;
      collect();
      const TimePoint w = m.next_wakeup();
      if (w >= limit) {
        elapse_to(limit);
        advance();
        return std::nullopt;
      }
      if (w <= now) FAIL("next_wakeup() is due but next_request() has nothing to send (busy loop)");
      elapse_to(w);
    }
    FAIL("no request after 100000 wakeups");
    return std::nullopt;
  }
  Outgoing next_send() {
    auto out = next_send_before(TimePoint::max());
    REQUIRE(out.has_value());
    return *out;
  }

  // The start of many tests: a minute of rendering (the default interval), the first
  // heartbeat on the wire, and `answer` to it. Returns the heartbeat.
  Outgoing first_heartbeat(const Answer& answer) {
    at(60s, true);
    Outgoing hb = send();
    reply(answer);
    return hb;
  }

  // One heartbeat cycle: `active` ms are rendered, the next heartbeat goes out when the
  // machine wants it, and gets `answer`.
  Outgoing beat(std::int64_t active, const Answer& answer = ok()) {
    total += active;
    Outgoing out = next_send();
    reply(answer);
    return out;
  }
};

// Puts a local billing hold (spend_cap, journal_full) on or lifts it, whichever of the
// machine's two forms of set_local_hold() this tree has: (Reason, bool on) or (Reason),
// where Reason::none lifts.
template <typename M>
auto set_hold(M& m, Reason reason, bool on, int) -> decltype(m.set_local_hold(reason, on), void()) {
  m.set_local_hold(reason, on);
}
template <typename M>
void set_hold(M& m, Reason reason, bool on, long) {
  m.set_local_hold(on ? reason : Reason::none);
}
inline void hold(core::SessionMachine& m, Reason reason) { set_hold(m, reason, true, 0); }
inline void lift(core::SessionMachine& m, Reason reason) { set_hold(m, reason, false, 0); }

inline nlohmann::json body_of(const Outgoing& o) { return nlohmann::json::parse(o.body); }

inline void require_same_request(const Outgoing& a, const Outgoing& b) {
  CHECK(a.kind == b.kind);
  CHECK(a.seq == b.seq);
  CHECK(a.idempotency_key == b.idempotency_key);
  CHECK(a.body == b.body);
  CHECK(a.active_ms == b.active_ms);
}

inline void require_change(const StateChange& c, SessionState from, SessionState to, Reason reason) {
  CHECK(c.from == from);
  CHECK(c.to == to);
  CHECK(c.reason == reason);
  CHECK_FALSE(c.message.empty());
}

}  // namespace cmtest

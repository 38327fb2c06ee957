// TokenState (src/core/token_state.cpp): adoption by the JWT's `exp`, and the re-attach's
// bookkeeping. The re-attach as a whole (requests, answers) is in
// session_machine_billing_test.cpp.

#include <catch2/catch.hpp>

#include <chrono>
#include <utility>

#include "core/token_state.hpp"
#include "session_machine_rig.hpp"

namespace core = creditmeter::core;
using namespace std::chrono_literals;
using cmtest::jwt_with_claims;
using cmtest::make_jwt;
using core::TimePoint;
using core::TokenState;

TEST_CASE("a token is adopted only with a later `exp`, unless forced", "[unit][token]") {
  TokenState t;
  CHECK(t.token().empty());
  t.adopt(make_jwt(1000), 0, /*force=*/true);
  CHECK(t.token() == make_jwt(1000));
  CHECK(t.expires_at() == 1000);

  t.adopt(make_jwt(999), 0, false);  // a late answer's older token
  CHECK(t.token() == make_jwt(1000));
  t.adopt(make_jwt(1000), 0, false);  // not later either
  CHECK(t.expires_at() == 1000);
  t.adopt(make_jwt(1001), 0, false);
  CHECK(t.token() == make_jwt(1001));
  CHECK(t.expires_at() == 1001);
  t.adopt(make_jwt(5), 0, /*force=*/true);  // a token exchange: always
  CHECK(t.expires_at() == 5);
}

TEST_CASE("the JWT's `exp` outranks the body's expires_at, which is only the fallback", "[unit][token]") {
  TokenState t;
  t.adopt(make_jwt(1000), 2000, true);
  CHECK(t.expires_at() == 1000);
  const std::string opaque = jwt_with_claims(R"({"sub":"acct_1"})");  // no exp claim
  t.adopt(opaque, 1500, false);
  CHECK(t.token() == opaque);
  CHECK(t.expires_at() == 1500);
  t.adopt("not-a-jwt", 1400, false);
  CHECK(t.token() == opaque);
}

TEST_CASE("re-attach: needed from a time, answered once, done with its attempts reset", "[unit][token]") {
  TokenState t;
  CHECK_FALSE(t.reattach_needed());
  CHECK_FALSE(t.take_reattach_answer());  // no exchange on the wire

  t.require_reattach(TimePoint(10s));
  CHECK(t.reattach_needed());
  CHECK(t.reattach_retry().at == TimePoint(10s));
  CHECK(t.reattach_retry().attempts == 0);

  t.reattach_sent();
  t.reattach_retry().attempts = 3;  // it failed a few times
  CHECK(t.take_reattach_answer());
  CHECK_FALSE(t.take_reattach_answer());  // the next answer is not the exchange's
  t.reattached();
  CHECK_FALSE(t.reattach_needed());
  CHECK(t.reattach_retry().attempts == 0);

  t.require_reattach(TimePoint(20s));
  CHECK(t.reattach_retry().at == TimePoint(20s));
}

TEST_CASE("a moved token state keeps its token", "[unit][token]") {
  TokenState a;
  a.adopt(make_jwt(1000), 0, true);
  TokenState b(std::move(a));
  CHECK(b.token() == make_jwt(1000));
  CHECK(b.expires_at() == 1000);
}

// StateHolds and PublishedState (src/core/state_holds.cpp): the precedence of the holds,
// the reason shown with each state, and each change announced once (docs/LIFECYCLE.md "States").

#include <catch2/catch.hpp>

#include "core/state_holds.hpp"
#include "session_machine_rig.hpp"  // readable enums in failures

namespace core = creditmeter::core;
using creditmeter::Reason;
using creditmeter::SessionState;
using core::PublishedState;
using core::StateHolds;

TEST_CASE("the state is the highest hold by precedence", "[unit][holds]") {
  StateHolds h;
  CHECK(h.state() == SessionState::active);
  h.offline = true;
  CHECK(h.state() == SessionState::paused_offline);
  CHECK(h.reason(Reason::none) == Reason::grace_expired);
  h.journal_full = true;
  CHECK(h.state() == SessionState::paused_billing);
  CHECK(h.reason(Reason::none) == Reason::journal_full);
  h.client_cap = true;
  CHECK(h.reason(Reason::none) == Reason::spend_cap);  // a cap outranks the journal
  h.billing = Reason::insufficient_credits;
  CHECK(h.reason(Reason::none) == Reason::insufficient_credits);  // the server outranks local holds
  h.user_paused = true;
  CHECK(h.state() == SessionState::paused_by_user);
  CHECK(h.reason(Reason::none) == Reason::user);
  h.stopped = true;
  CHECK(h.state() == SessionState::stopped);
  CHECK(h.reason(Reason::user) == Reason::stopped);
}

TEST_CASE("active shows the cause it was given", "[unit][holds]") {
  const StateHolds h;
  CHECK(h.reason(Reason::user) == Reason::user);
  CHECK(h.reason(Reason::none) == Reason::none);
}

TEST_CASE("a change is announced once, from where the last one ended", "[unit][holds]") {
  PublishedState p;
  StateHolds h;
  CHECK_FALSE(p.update(h, Reason::none).has_value());  // active, as published

  h.spend_cap = true;
  auto c = p.update(h, Reason::none);
  REQUIRE(c.has_value());
  CHECK(c->from == SessionState::active);
  CHECK(c->to == SessionState::paused_billing);
  CHECK(c->reason == Reason::spend_cap);
  CHECK(c->message.empty());  // the machine words it
  CHECK_FALSE(p.update(h, Reason::none).has_value());

  h.billing = Reason::insufficient_credits;  // same state, another reason: announced
  c = p.update(h, Reason::none);
  REQUIRE(c.has_value());
  CHECK(c->from == SessionState::paused_billing);
  CHECK(c->reason == Reason::insufficient_credits);
  CHECK(p.reason() == Reason::insufficient_credits);

  h = StateHolds{};
  c = p.update(h, Reason::user);
  REQUIRE(c.has_value());
  CHECK(c->to == SessionState::active);
  CHECK(c->reason == Reason::user);
  CHECK_FALSE(p.update(h, Reason::none).has_value());  // active again, whatever the cause
  CHECK(p.state() == SessionState::active);
}

TEST_CASE("a published state can start anywhere (a recovered session starts stopped)", "[unit][holds]") {
  PublishedState p(SessionState::stopped, Reason::stopped);
  StateHolds h;
  h.stopped = true;
  CHECK_FALSE(p.update(h, Reason::stopped).has_value());
  CHECK(p.state() == SessionState::stopped);
}

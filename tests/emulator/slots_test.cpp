// Unit tests of slots.cpp (one account's concurrency slots), and the slot rules as the
// ledger applies them: expiry after grace + 2 intervals, late heartbeats, releases.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ledger_model.hpp"
#include "slots.hpp"

using namespace creditmeter::emulator;
using namespace creditmeter::emulator::testing;

TEST_CASE("slots: take, refresh, free and the limit", "[emulator][unit]") {
  ConcurrencySlots slots;
  SlotClaim a, b;
  CHECK(slots.has_free(1));
  slots.take("a", a, 100);
  CHECK(a.held);
  CHECK(a.last_seen_ms == 100);
  CHECK_FALSE(slots.has_free(1));
  CHECK(slots.has_free(2));
  slots.refresh("a", a, 500);
  CHECK(a.last_seen_ms == 500);
  slots.refresh("a", a, 300);  // a call stamped earlier never moves the clock back
  CHECK(a.last_seen_ms == 500);
  slots.refresh("b", b, 600);  // b holds nothing: nothing happens
  CHECK_FALSE(b.held);
  CHECK(slots.has_free(2));
  slots.free("a", a);
  CHECK_FALSE(a.held);
  CHECK(slots.has_free(1));
  slots.free("a", a);  // twice is harmless
  CHECK(slots.has_free(1));
}

TEST_CASE("slots: holders silent for the hold time expire, oldest first", "[emulator][unit]") {
  ConcurrencySlots slots;
  SlotClaim a, b;
  slots.take("a", a, 1'000);
  slots.take("b", b, 2'000);
  std::vector<std::string> freed;
  const auto record = [&](const std::string& id) { freed.push_back(id); };
  slots.expire(1'999, 1'000, record);  // a's hold ends at 2000
  CHECK(freed.empty());
  CHECK(slots.live_at(1'999, 1'000) == 2);
  CHECK(slots.live_at(2'000, 1'000) == 1);  // counted as gone before expire() ran
  slots.expire(2'000, 1'000, record);
  CHECK(freed == std::vector<std::string>{"a"});
  CHECK(slots.has_free(2));
  // A refresh moves the holder back in line.
  slots.refresh("b", b, 5'000);
  slots.expire(5'999, 1'000, record);
  CHECK(freed.size() == 1);
  slots.expire(6'000, 1'000, record);
  CHECK(freed == std::vector<std::string>{"a", "b"});
  CHECK(slots.live_at(0, 1'000) == 0);
}

TEST_CASE("slots: restore re-enters only holders", "[emulator][unit]") {
  ConcurrencySlots slots;
  slots.restore("a", SlotClaim{true, 10});
  slots.restore("b", SlotClaim{false, 10});
  CHECK(slots.live_at(10, 100) == 1);
  CHECK_FALSE(slots.has_free(1));
}

TEST_CASE("slots expire after grace + 2 intervals without a heartbeat", "[emulator][unit]") {
  Model m;
  m.call(Op::kConfigure, {{"token_ttl_s", 3600}});  // tokens outlive the silences below
  m.account("s", "free", 50);
  auto [a, token_a] = m.start("s");
  auto [b, token_b] = m.start("s");
  CHECK(m.exchange("s")["_status"] == 403);
  // Defaults: hold = 300 + 2 * 60 s. A heartbeat of `a` keeps its slot alive.
  m.now += 400'000;
  REQUIRE(m.usage(Op::kHeartbeat, token_a, a, 1, 0)["_status"] == 200);
  m.now += 20'000;  // b: 420 s of silence -> its slot is gone
  CHECK(m.exchange("s")["_status"] == 200);
  CHECK(m.exchange("s")["_status"] == 403);
  // b's late heartbeat is accepted and billed but takes no slot that is not free.
  const auto late = m.usage(Op::kHeartbeat, token_b, b, 1, 60'000);
  CHECK(late["_status"] == 200);
  CHECK(m.row(b)["slot_held"] == false);
  // A release frees the slot at once.
  REQUIRE(m.usage(Op::kRelease, token_a, a, 2, 0)["_status"] == 200);
  CHECK(m.exchange("s")["_status"] == 200);
}

TEST_CASE("a late heartbeat takes its slot back when one is free, a released session never does",
          "[emulator][unit]") {
  Model m;
  m.call(Op::kConfigure, {{"token_ttl_s", 3600}});
  m.account("s", "free", 50, 1);
  auto [a, token_a] = m.start("s");
  m.now += 420'000;  // a's slot expires
  REQUIRE(m.usage(Op::kHeartbeat, token_a, a, 1, 0)["_status"] == 200);
  CHECK(m.row(a)["slot_held"] == true);
  CHECK(m.exchange("s")["_status"] == 403);
  REQUIRE(m.usage(Op::kRelease, token_a, a, 2, 0)["_status"] == 200);
  CHECK(m.row(a)["slot_held"] == false);
  REQUIRE(m.usage(Op::kHeartbeat, token_a, a, 3, 0)["_status"] == 200);  // late, after release
  CHECK(m.row(a)["slot_held"] == false);
  CHECK(m.account_details("s")["active_sessions"] == 0);
}

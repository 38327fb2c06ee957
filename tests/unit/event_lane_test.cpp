// core::EventLane: batching (100, the delay, flush/stop), one batch unacknowledged at a time
// resent with the same body, settlement (acknowledged, rejected, charges), the price
// projection, the journal's view (each event once, before it is sent), and the storage that
// makes record() allocation-free (ids inline, actions interned, reused from batch to batch).

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/event_lane.hpp"

using namespace creditmeter::core;
using namespace std::chrono_literals;

namespace {

const TimePoint t0{std::chrono::hours(1)};

UsageEvent event(const std::string& id, const std::string& action = "llm_gpt4", std::int64_t milli = 1000) {
  return UsageEvent{id, action, milli, 1700000000000};
}

EventLane lane_with_prices() {
  EventLane lane(1000ms);
  lane.set_prices({{"llm_gpt4", 10000000}, {"tts_seconds", 83333}});
  return lane;
}

}  // namespace

TEST_CASE("event charges are floored to the milli-unit, in integers") {
  CHECK(event_charge_milli(1000, 10000000) == 10000);    // 1 x 10 credits
  CHECK(event_charge_milli(12500, 83333) == 1041);       // 12.5 s of TTS: 1041.66 -> 1041
  CHECK(event_charge_milli(7777, 50000) == 388);         // 388.85 -> 388
  CHECK(event_charge_milli(1, 250000) == 0);             // below a milli-credit: free
  CHECK(event_charge_milli(0, 10000000) == 0);
  CHECK(event_charge_milli(1000000000000000, 1000000000000) > 0);  // beyond 2^63: projected, no overflow
}

TEST_CASE("a batch waits for the delay after the oldest event, then goes with every pending one") {
  EventLane lane = lane_with_prices();
  lane.record(event("a"), t0);
  lane.record(event("b"), t0 + 400ms);
  CHECK(lane.take_unjournaled().size() == 2);
  CHECK(lane.take_unjournaled().empty());  // each event journaled once
  CHECK_FALSE(lane.next_batch(t0 + 999ms, "s1"));
  CHECK(lane.next_wakeup() == t0 + 1000ms);
  auto batch = lane.next_batch(t0 + 1000ms, "s1");
  REQUIRE(batch);
  CHECK(batch->kind == Outgoing::Kind::events);
  CHECK(batch->idempotency_key.empty());
  CHECK(batch->body.find("\"event_id\":\"a\"") != std::string::npos);
  CHECK(batch->body.find("\"event_id\":\"b\"") != std::string::npos);
  CHECK(lane.on_wire());
  CHECK(lane.next_wakeup() == TimePoint::max());
  CHECK_FALSE(lane.next_batch(t0 + 5s, "s1"));  // one batch on the wire at a time
}

TEST_CASE("100 pending events go at once, at most 100 a batch") {
  EventLane lane = lane_with_prices();
  for (int i = 0; i < 150; ++i) lane.record(event("e" + std::to_string(i)), t0);
  lane.take_unjournaled();
  CHECK(lane.next_wakeup() == TimePoint::min());
  auto batch = lane.next_batch(t0, "s1");
  REQUIRE(batch);
  CHECK(lane.batch_size() == 100);
  lane.answered();
  lane.settle(nullptr);
  CHECK(lane.pending() == 50);
  CHECK(lane.acknowledged() == 100);
  CHECK_FALSE(lane.next_batch(t0, "s1"));  // 50 left: they wait for the delay
}

TEST_CASE("only journaled events are sent") {
  EventLane lane = lane_with_prices();
  lane.record(event("a"), t0);
  lane.hurry_all_recorded();
  CHECK_FALSE(lane.next_batch(t0, "s1"));  // not journaled yet
  lane.take_unjournaled();
  CHECK(lane.next_batch(t0, "s1"));
}

TEST_CASE("flush() hurries what is recorded, not what comes after, stop() hurries everything") {
  EventLane lane = lane_with_prices();
  lane.record(event("a"), t0);
  lane.hurry_all_recorded();
  lane.record(event("b"), t0);
  lane.take_unjournaled();
  auto batch = lane.next_batch(t0, "s1");
  REQUIRE(batch);
  CHECK(lane.batch_size() == 2);  // the batch takes every journaled event
  lane.answered();
  lane.settle(nullptr);
  lane.record(event("c"), t0 + 10ms);
  lane.take_unjournaled();
  CHECK_FALSE(lane.next_batch(t0 + 10ms, "s1"));
  CHECK(lane.settled_through(2));
  CHECK_FALSE(lane.settled_through(3));
  lane.hurry_forever();
  CHECK(lane.next_batch(t0 + 10ms, "s1"));
}

TEST_CASE("a failed batch is resent byte-identical when its retry is due") {
  EventLane lane = lane_with_prices();
  lane.record(event("a"), t0);
  lane.take_unjournaled();
  lane.hurry_all_recorded();
  const Outgoing first = *lane.next_batch(t0, "s1");
  lane.answered();
  lane.retry().at = t0 + 2s;
  lane.record(event("b"), t0 + 1s);  // does not join the unacknowledged batch
  lane.take_unjournaled();
  CHECK_FALSE(lane.next_batch(t0 + 1s, "s1"));
  CHECK(lane.next_wakeup() == t0 + 2s);
  const Outgoing again = *lane.next_batch(t0 + 2s, "s1");
  CHECK(again.body == first.body);
  CHECK(lane.batch_size() == 1);
}

TEST_CASE("settling: charges of accepted and duplicates, rejections dropped, projections freed") {
  EventLane lane = lane_with_prices();
  lane.record(event("a"), t0);
  lane.record(event("b", "tts_seconds", 12500), t0);
  lane.record(event("c", "nope"), t0);
  CHECK(lane.pending_units() == Approx(11.041));
  lane.take_unjournaled();
  lane.hurry_all_recorded();
  REQUIRE(lane.next_batch(t0, "s1"));
  EventsAck ack;
  ack.has_balance = true;
  ack.balance = 88.959;
  ack.accepted = {"b"};
  ack.duplicates = {"a"};
  ack.rejected = {EventRejection{"c", "UNKNOWN_ACTION", "no price"}};
  ack.has_charges = true;
  ack.charges = {{"a", 10.0}, {"b", 1.041}};
  lane.answered();
  const EventSettlement s = lane.settle(&ack);
  CHECK(s.charged == Approx(11.041));
  REQUIRE(s.balance);
  CHECK(*s.balance == Approx(88.959));
  REQUIRE(s.rejected.size() == 1);
  CHECK(s.rejected[0].first.action == "nope");
  CHECK(s.rejected[0].second.code == "UNKNOWN_ACTION");
  CHECK(s.settled_ids.size() == 3);
  CHECK(lane.acknowledged() == 2);
  CHECK(lane.rejected() == 1);
  CHECK(lane.pending() == 0);
  CHECK(lane.idle());
  CHECK(lane.pending_units() == 0);
}

TEST_CASE("an answer without `charges` (an older server) charges the batch its `credits_charged`") {
  EventLane lane = lane_with_prices();
  lane.record(event("a"), t0);
  lane.take_unjournaled();
  lane.hurry_all_recorded();
  REQUIRE(lane.next_batch(t0, "s1"));
  EventsAck ack;
  ack.credits_charged = 10;
  lane.answered();
  CHECK(lane.settle(&ack).charged == 10);
  CHECK(lane.acknowledged() == 1);
}

TEST_CASE("recovered events are journaled already and counted as recorded") {
  EventLane lane = lane_with_prices();
  lane.record(event("a"), t0, /*journaled=*/true);
  CHECK(lane.take_unjournaled().empty());
  CHECK(lane.recorded() == 1);
  CHECK(lane.unsettled().size() == 1);
}

// The lane keeps events in storage it reuses (settled ones leave from the front, the rest is
// compacted in place) with the action interned: what comes out must be what went in.
TEST_CASE("events keep their id, action and quantity, in order, through the lane's reused storage") {
  EventLane lane = lane_with_prices();
  const std::string long_action(64, 'x');  // past the short-string buffer, at the limit
  const std::string uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
  std::vector<std::string> settled;
  int next = 0;
  auto add = [&](int n) {
    for (int i = 0; i < n; ++i, ++next) {
      const std::string id = next == 0 ? uuid : "e" + std::to_string(next);
      lane.record(event(id, next % 3 == 0 ? long_action : "llm_gpt4", 1000 + next), t0);
    }
  };
  // Batches of 100 leave while more arrive, so the storage is dropped from the front,
  // compacted and emptied several times.
  add(250);
  for (int round = 0; round < 12; ++round) {
    const auto journaled = lane.take_unjournaled();
    for (const auto& e : journaled) {
      const int n = e.event_id == uuid ? 0 : std::stoi(e.event_id.substr(1));
      CHECK(e.action == (n % 3 == 0 ? long_action : "llm_gpt4"));
      CHECK(e.quantity_milli == 1000 + n);
    }
    lane.hurry_all_recorded();
    if (!lane.next_batch(t0, "s1")) break;
    lane.answered();
    for (auto& id : lane.settle(nullptr).settled_ids) settled.push_back(id);
    if (round % 2 == 0) add(70);
  }
  REQUIRE(settled.size() == static_cast<std::size_t>(next));
  CHECK(settled[0] == uuid);
  for (int i = 1; i < next; ++i) CHECK(settled[i] == "e" + std::to_string(i));
  CHECK(lane.idle());
  CHECK(lane.pending_units() == 0);
}

TEST_CASE("prices learned after an action was first seen price its pending and later events") {
  EventLane lane(1000ms);
  lane.record(event("a", "kb_query", 2000), t0);
  CHECK(lane.pending_units() == 0);  // no prices yet
  lane.set_prices({{"kb_query", 1000000}});
  CHECK(lane.pending_units() == Approx(2.0));
  lane.record(event("b", "kb_query", 500), t0);
  CHECK(lane.pending_units() == Approx(2.5));
}

TEST_CASE("an idle lane that has seen many actions forgets them, and names new events right after") {
  EventLane lane = lane_with_prices();
  for (int i = 0; i < 300; ++i) lane.record(event("e" + std::to_string(i), "action_" + std::to_string(i)), t0);
  lane.take_unjournaled();
  lane.hurry_forever();
  while (auto batch = lane.next_batch(t0, "s1")) {
    lane.answered();
    lane.settle(nullptr);
  }
  REQUIRE(lane.idle());
  lane.record(event("z", "tts_seconds", 12000), t0);
  lane.record(event("y", "action_7"), t0);
  const auto journaled = lane.take_unjournaled();
  REQUIRE(journaled.size() == 2);
  CHECK(journaled[0].action == "tts_seconds");
  CHECK(journaled[1].action == "action_7");
  CHECK(lane.pending_units() == Approx(0.999));  // 12 s at 83333 µ/s, floored to the milli-unit
}

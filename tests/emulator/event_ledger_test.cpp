// Unit tests of event_ledger.cpp: charged events found by id, listed in order, snapshotted.
#include <catch2/catch.hpp>

#include "event_ledger.hpp"

using namespace creditmeter::emulator;
using nlohmann::json;

TEST_CASE("event ledger: find by id, listing per session in charge order, snapshot round trip", "[emulator][unit]") {
  EventLedger events;
  CHECK(events.find("e1") == nullptr);
  events.add({"e1", "s1", "llm_gpt4", 1'000, 10'000});
  events.add({"e2", "s2", "tts_seconds", 12'345, 1'028});
  events.add({"e3", "s1", "kb_query", 0, 0});
  REQUIRE(events.find("e2") != nullptr);
  CHECK(events.find("e2")->charged_mc == 1'028);
  CHECK(events.size() == 3);

  const json all = events.listing();
  REQUIRE(all.size() == 3);
  CHECK(all[1] == json{{"event_id", "e2"}, {"session_id", "s2"}, {"action", "tts_seconds"}, {"quantity", 12.345},
                       {"credits_charged", 1.028}});
  const json of_s1 = events.listing("s1");
  REQUIRE(of_s1.size() == 2);
  CHECK(of_s1[0]["event_id"] == "e1");
  CHECK(of_s1[1]["event_id"] == "e3");
  CHECK(events.listing("nobody").empty());

  const EventLedger restored = EventLedger::from_snapshot(events.to_snapshot());
  CHECK(restored.listing() == all);
  CHECK(restored.find("e3") != nullptr);
}

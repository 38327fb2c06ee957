// Unit tests of usage_event_batch.cpp: the strict reading of a POST /v1/usage-events body.
#include <catch2/catch.hpp>

#include "usage_event_batch.hpp"

using namespace creditmeter::emulator;
using nlohmann::json;

namespace {

const std::string kId = "3f2b8c1e-0a4d-4c6e-9b1a-2d3e4f5a6b7c";

json event(json quantity = 1, std::string id = kId, std::string action = "llm_gpt4") {
  return {{"event_id", id}, {"action", action}, {"quantity", quantity}, {"at", "2026-01-01T00:00:00.000Z"}};
}

// The 400's message, or "" when the batch was read.
std::string refusal(const json& body) {
  UsageEventBatch batch;
  const auto refused = read_usage_event_batch(body, batch);
  if (!refused) return "";
  CHECK(refused->status == 400);
  const json error = json::parse(refused->body)["error"];
  CHECK(error["code"] == "INVALID_REQUEST");
  return error["message"].get<std::string>();
}

}  // namespace

TEST_CASE("event batch: a good body is read, quantities in milli-units", "[emulator][unit]") {
  UsageEventBatch batch;
  const json body = {{"session_id", "s1"},
                     {"events", {event(1), event(12.345), event(0), event(0.0005), event(2.0004), event(1e9)}},
                     {"something_new", true}};
  REQUIRE_FALSE(read_usage_event_batch(body, batch).has_value());
  CHECK(batch.session_id == "s1");
  REQUIRE(batch.events.size() == 6);
  CHECK(batch.events[0].event_id == kId);
  CHECK(batch.events[0].action == "llm_gpt4");
  CHECK(batch.events[0].quantity_milli == 1'000);
  CHECK(batch.events[1].quantity_milli == 12'345);
  CHECK(batch.events[2].quantity_milli == 0);
  CHECK(batch.events[3].quantity_milli == 1);  // a fourth decimal rounds, half away from zero
  CHECK(batch.events[4].quantity_milli == 2'000);
  CHECK(batch.events[5].quantity_milli == 1'000'000'000'000LL);
}

TEST_CASE("event batch: bad bodies are refused whole, naming the event and the field", "[emulator][unit]") {
  CHECK(refusal({{"events", {event()}}}) == "field 'session_id' is required");
  CHECK(refusal({{"session_id", "s1"}}) == "field 'events' must be an array of events");
  CHECK(refusal({{"session_id", "s1"}, {"events", event()}}) == "field 'events' must be an array of events");
  CHECK(refusal({{"session_id", "s1"}, {"events", json::array()}}) ==
        "field 'events' must hold 1 to 100 events (it holds 0)");
  json many = json::array();
  for (int i = 0; i < 101; ++i) many.push_back(event());
  CHECK(refusal({{"session_id", "s1"}, {"events", many}}) == "field 'events' must hold 1 to 100 events (it holds 101)");
  many.erase(many.begin());
  CHECK(refusal({{"session_id", "s1"}, {"events", many}}) == "");  // exactly 100

  const auto one = [](json e) { return refusal({{"session_id", "s1"}, {"events", {event(), e}}}); };
  CHECK(one(5) == "events[1] must be an object");
  json e = event();
  e.erase("event_id");
  CHECK(one(e) == "events[1]: field 'event_id' is required");
  CHECK(one(event(1, "not-a-uuid")) == "events[1].event_id must be a UUID (8-4-4-4-12 hex digits)");
  CHECK(one(event(1, "3f2b8c1e-0a4d-4c6e-9b1a-2d3e4f5a6b7g")) == "events[1].event_id must be a UUID (8-4-4-4-12 hex digits)");
  CHECK(one(event(1, "3f2b8c1e0a4d-4c6e-9b1a-2d3e4f5a6b7c0")) == "events[1].event_id must be a UUID (8-4-4-4-12 hex digits)");
  CHECK(one(event(1, kId, "")) == "events[1].action must be 1 to 64 characters");
  CHECK(one(event(1, kId, std::string(65, 'a'))) == "events[1].action must be 1 to 64 characters");
  CHECK(one(event(1, kId, std::string(64, 'a'))) == "");
  e = event();
  e["action"] = 7;
  CHECK(one(e) == "events[1]: field 'action' must be a string");
  CHECK(one(event(-1)) == "events[1].quantity must be a finite number from 0 to 1000000000");
  CHECK(one(event(-0.0001)) == "events[1].quantity must be a finite number from 0 to 1000000000");
  CHECK(one(event(-0.0)) == "");
  CHECK(one(event(1e9 + 1)) == "events[1].quantity must be a finite number from 0 to 1000000000");
  CHECK(one(event(1e300)) == "events[1].quantity must be a finite number from 0 to 1000000000");
  CHECK(one(event("1")) == "events[1].quantity must be a number");
  CHECK(one(event(nullptr)) == "events[1].quantity must be a number");
  e = event();
  e["at"] = "yesterday";
  CHECK(one(e) == "events[1].at must be an RFC 3339 timestamp");
  e.erase("at");
  CHECK(one(e) == "events[1]: field 'at' is required");
}

TEST_CASE("event batch: valid_uuid accepts the 8-4-4-4-12 form in either case", "[emulator][unit]") {
  CHECK(valid_uuid(kId));
  CHECK(valid_uuid("3F2B8C1E-0A4D-4C6E-9B1A-2D3E4F5A6B7C"));
  CHECK_FALSE(valid_uuid(""));
  CHECK_FALSE(valid_uuid("{3f2b8c1e-0a4d-4c6e-9b1a-2d3e4f5a6b7c}"));
  CHECK_FALSE(valid_uuid("3f2b8c1e-0a4d-4c6e-9b1a_2d3e4f5a6b7c"));
}

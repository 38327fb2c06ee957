// Unit tests of sessions.cpp: the registry of sessions and their ledger rows.
#include <catch2/catch.hpp>

#include "sessions.hpp"

using namespace creditmeter::emulator;
using nlohmann::json;

TEST_CASE("sessions: listed in creation order", "[emulator][unit]") {
  Sessions sessions;
  for (const char* id : {"zeta", "alpha", "mid", "beta"}) {
    Session s;
    s.id = id;
    sessions.create(s);
  }
  CHECK(sessions.next_order() == 5);
  std::vector<std::string> ids;
  for (const Session* s : sessions.in_creation_order()) ids.push_back(s->id);
  CHECK(ids == std::vector<std::string>{"zeta", "alpha", "mid", "beta"});
  CHECK(sessions.contains("mid"));
  CHECK(sessions.find("nope") == nullptr);
  REQUIRE(sessions.find("alpha"));
  CHECK(sessions.find("alpha")->order == 2);
}

TEST_CASE("sessions: restore keeps the stored order", "[emulator][unit]") {
  Sessions sessions;
  Session late;
  late.id = "late";
  late.order = 7;
  Session early;
  early.id = "early";
  early.order = 3;
  sessions.restore(late);
  sessions.restore(early);
  sessions.set_next_order(8);
  CHECK(sessions.in_creation_order().front()->id == "early");
  Session next;
  next.id = "next";
  CHECK(sessions.create(next).order == 8);
}

TEST_CASE("ledger row: the documented fields, credits as numbers", "[emulator][unit]") {
  Session s;
  s.id = "sid";
  s.account_id = "acct_1";
  s.model = "expression";
  s.surface = "cloud";
  s.active_ms = 7'000;
  s.charged_mc = 466;
  s.heartbeats = 3;
  s.replays = 1;
  s.released = true;
  s.slot.held = false;
  const json row = ledger_row(s);
  CHECK(row == json{{"session_id", "sid"},   {"active_ms", 7'000},    {"credits_charged", 0.466},
                    {"heartbeats", 3},       {"replays", 1},          {"released", true},
                    {"account_id", "acct_1"}, {"model", "expression"}, {"surface", "cloud"},
                    {"slot_held", false},    {"time_credits_charged", 0.466},
                    {"event_credits_charged", 0}, {"events_charged", 0}});
}

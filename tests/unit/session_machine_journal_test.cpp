// SessionMachine and the journal (docs/JOURNAL.md): the records it asks for (sent before a
// request's first send, ack, drop, checkpoints), the snapshot that rebuilds them, and a
// session recovered from a dead process's records.

#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "session_machine_rig.hpp"

using namespace cmtest;
using core::JournalOp;

TEST_CASE("a heartbeat is journaled as sent, then acknowledged", "[unit][machine][journal]") {
  Rig r;
  const Outgoing hb = r.beat(60000);
  const auto ops = r.m.take_journal();
  REQUIRE(ops.size() == 2);
  CHECK(ops[0].kind == JournalOp::Kind::sent);
  require_same_request(ops[0].request, hb);
  CHECK(ops[1].kind == JournalOp::Kind::ack);
  CHECK(ops[1].seq == hb.seq);
  CHECK(r.m.take_journal().empty());
}

TEST_CASE("usage accruing behind an unacknowledged heartbeat is checkpointed each interval",
          "[unit][machine][journal]") {
  Rig r;
  r.rendering = true;
  r.next_send();
  r.reply(no_answer());
  r.m.take_journal();
  r.at(120s, true);  // the next due time passes while the first still waits
  r.poll();
  const auto ops = r.m.take_journal();
  bool checkpoint = false;
  for (const auto& op : ops) {
    if (op.kind == JournalOp::Kind::checkpoint) {
      checkpoint = true;
      CHECK(op.total_ms == r.total);
    }
  }
  CHECK(checkpoint);
}

TEST_CASE("a burnt key is journaled as dropped", "[unit][machine][journal]") {
  Rig r;
  const Outgoing hb = r.beat(60000, status(422, "IDEMPOTENCY_MISMATCH"));
  const auto ops = r.m.take_journal();
  REQUIRE(ops.size() == 2);
  CHECK(ops[1].kind == JournalOp::Kind::drop);
  CHECK(ops[1].seq == hb.seq);
}

TEST_CASE("stop journals the final total before the release", "[unit][machine][journal][stop]") {
  Rig r;
  r.m.stop(4200);
  const auto ops = r.m.take_journal();
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == JournalOp::Kind::checkpoint);
  CHECK(ops[0].total_ms == 4200);
}

TEST_CASE("the snapshot holds the books and the unacknowledged request", "[unit][machine][journal]") {
  Rig r;
  r.beat(60000);
  r.total += 30000;
  const Outgoing pending = r.next_send();
  const auto ops = r.m.journal_snapshot(r.total + 500);
  REQUIRE(ops.size() == 2);
  CHECK(ops[0].kind == JournalOp::Kind::state);
  CHECK(ops[0].seq == pending.seq);
  CHECK(ops[0].total_ms == r.total + 500);
  CHECK(ops[0].sent_ms == 60000);  // the pending 30 s are in its own record
  CHECK(ops[1].kind == JournalOp::Kind::sent);
  require_same_request(ops[1].request, pending);
}

TEST_CASE("a recovered session re-attaches, resends what was unacknowledged, then releases the rest",
          "[unit][machine][journal][recovery]") {
  Rig live;  // the dead process's requests, as it built them
  live.total = 60000;
  const Outgoing first = live.next_send();
  live.reply(no_answer());

  core::RecoveredSession rec;
  rec.session_id = kSid;
  rec.model = "essence";
  rec.surface = "cloud";
  rec.interval_ms = 60000;
  rec.unacknowledged = {first};
  rec.last_seq = first.seq;
  rec.sent_ms = 60000;
  rec.total_ms = 75000;
  const TimePoint t0{std::chrono::hours(5)};
  core::SessionMachine m(rec, t0, [] { return 0.5; });
  CHECK(m.stopped());
  CHECK(m.state() == SessionState::stopped);
  CHECK(m.take_changes().empty());  // it never was anything else
  CHECK(m.final_ms() == 75000);
  CHECK_FALSE(m.delivered(0));
  CHECK(m.next_wakeup() <= t0);

  auto ex = m.next_request(t0, kWall0, 0);
  REQUIRE(ex.has_value());
  CHECK(ex->kind == Outgoing::Kind::token_exchange);
  m.on_answer(t0, exchange_ok(make_grant()));
  CHECK(m.token() == make_jwt(kExp0));

  auto resent = m.next_request(t0, kWall0, 0);
  REQUIRE(resent.has_value());
  require_same_request(*resent, first);
  m.on_answer(t0, ok());

  auto release = m.next_request(t0, kWall0, 0);
  REQUIRE(release.has_value());
  CHECK(release->kind == Outgoing::Kind::release);
  CHECK(release->seq == first.seq + 1);
  CHECK(release->active_ms == 15000);
  m.on_answer(t0, ok());
  CHECK(m.finished());
  CHECK(m.delivered(0));
  CHECK(m.reported_ms() == 75000);
  CHECK_FALSE(m.next_request(t0 + std::chrono::hours(1), kWall0, 0).has_value());
}

// UsageOutbox (src/core/usage_outbox.cpp): one unacknowledged request, the books it keeps,
// the recovered queue behind it, and the journal snapshot of them.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "core/usage_outbox.hpp"

namespace core = creditmeter::core;
using namespace std::chrono_literals;
using core::JournalOp;
using core::Outgoing;
using core::TimePoint;
using core::UsageOutbox;

namespace {

Outgoing request(UsageOutbox& box, Outgoing::Kind kind, std::int64_t active_ms) {
  Outgoing out;
  out.kind = kind;
  out.seq = box.next_seq();
  out.active_ms = active_ms;
  out.body = "body-" + std::to_string(out.seq);
  return out;
}

Outgoing recorded(std::uint64_t seq, std::int64_t active_ms) {
  Outgoing out;
  out.seq = seq;
  out.active_ms = active_ms;
  out.idempotency_key = "s:" + std::to_string(seq);
  out.body = "old-" + std::to_string(seq);
  return out;
}

}  // namespace

TEST_CASE("a sent request is pending with its key until acknowledged", "[unit][outbox]") {
  UsageOutbox box;
  CHECK(box.empty());
  CHECK(box.pending() == nullptr);
  const Outgoing& sent = box.send(request(box, Outgoing::Kind::heartbeat, 700), "sess-1", TimePoint(5s));
  CHECK(sent.seq == 1);
  CHECK(sent.idempotency_key == "sess-1:1");
  REQUIRE(box.pending() != nullptr);
  CHECK(box.pending()->retry.at == TimePoint(5s));
  CHECK(box.pending()->retry.attempts == 0);
  CHECK(box.sent_ms() == 700);
  CHECK(box.reported_ms() == 0);
  CHECK(box.unacknowledged_ms(1000) == 1000);

  CHECK(box.acknowledge() == 1);
  CHECK(box.empty());
  CHECK(box.reported_ms() == 700);
  CHECK(box.unacknowledged_ms(1000) == 300);
  CHECK(box.unacknowledged_ms(500) == 0);  // never negative
  CHECK_FALSE(box.release_acked());
}

TEST_CASE("a burnt key gives its usage back, and its seq is never reused", "[unit][outbox]") {
  UsageOutbox box;
  box.send(request(box, Outgoing::Kind::heartbeat, 400), "s", TimePoint(0));
  CHECK(box.drop() == 1);
  CHECK(box.empty());
  CHECK(box.sent_ms() == 0);
  CHECK(box.reported_ms() == 0);
  CHECK(box.next_seq() == 2);
}

TEST_CASE("close fixes the final total, never below what was sent, the release's ack ends it",
          "[unit][outbox]") {
  UsageOutbox box;
  box.send(request(box, Outgoing::Kind::heartbeat, 900), "s", TimePoint(0));
  box.close(800);  // the meter read less than a heartbeat already carried
  CHECK(box.final_ms() == 900);
  box.close(1200);
  CHECK(box.final_ms() == 1200);
  box.acknowledge();
  box.send(request(box, Outgoing::Kind::release, 300), "s", TimePoint(0));
  CHECK_FALSE(box.release_acked());
  box.acknowledge();
  CHECK(box.release_acked());
  CHECK(box.reported_ms() == 1200);
}

TEST_CASE("recovered requests queue behind the first, in order, as they were", "[unit][outbox][recovery]") {
  core::RecoveredSession r;
  r.session_id = "s";
  r.last_seq = 7;
  r.sent_ms = 5000;
  r.total_ms = 6500;
  r.unacknowledged = {recorded(5, 1000), recorded(6, 1500)};
  UsageOutbox box(r, TimePoint(1s));
  CHECK(box.last_seq() == 7);
  CHECK(box.sent_ms() == 5000);
  CHECK(box.final_ms() == 6500);
  REQUIRE(box.pending() != nullptr);
  CHECK(box.pending()->request.seq == 5);
  CHECK(box.pending()->request.body == "old-5");
  CHECK(box.has_recovered());

  box.promote_recovered(TimePoint(2s));  // the first is still pending: nothing moves
  CHECK(box.pending()->request.seq == 5);
  box.acknowledge();
  CHECK(box.pending() == nullptr);
  CHECK_FALSE(box.empty());
  box.promote_recovered(TimePoint(3s));
  REQUIRE(box.pending() != nullptr);
  CHECK(box.pending()->request.seq == 6);
  CHECK(box.pending()->retry.at == TimePoint(3s));
  CHECK_FALSE(box.has_recovered());
  CHECK(box.next_seq() == 8);
}

TEST_CASE("the final total of a recovery is at least what was sent", "[unit][outbox][recovery]") {
  core::RecoveredSession r;
  r.sent_ms = 4000;
  r.total_ms = 3000;  // the last checkpoint predates the last heartbeat
  CHECK(UsageOutbox(r, TimePoint(0)).final_ms() == 4000);
}

TEST_CASE("the snapshot counts unacknowledged usage as unsent and lists those requests", "[unit][outbox][journal]") {
  core::RecoveredSession r;
  r.last_seq = 3;
  r.sent_ms = 3000;
  r.unacknowledged = {recorded(2, 1000), recorded(3, 500)};
  const UsageOutbox box(r, TimePoint(0));
  const auto ops = box.snapshot(4200);
  REQUIRE(ops.size() == 3);
  CHECK(ops[0].kind == JournalOp::Kind::state);
  CHECK(ops[0].seq == 3);
  CHECK(ops[0].total_ms == 4200);
  CHECK(ops[0].sent_ms == 1500);
  CHECK(ops[1].kind == JournalOp::Kind::sent);
  CHECK(ops[1].request.seq == 2);
  CHECK(ops[2].kind == JournalOp::Kind::sent);
  CHECK(ops[2].request.body == "old-3");

  const auto empty = UsageOutbox().snapshot(10);
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].total_ms == 10);
  CHECK(empty[0].sent_ms == 0);
}

// The session machine's events lane (docs/CREDITS.md "Usage events"): journaled before sent,
// batched beside heartbeats, charges counted, 402/401/retries as for heartbeats, the release
// after the events' answer, the cap's projection, flush targets, and recovery from a journal.

#include "session_machine_rig.hpp"

#include "core/journal_format.hpp"

using namespace cmtest;
using creditmeter::SessionStats;

namespace {

core::TokenGrant priced_grant() {
  core::TokenGrant g = make_grant();
  g.prices_micro = {{"llm_gpt4", 10000000}, {"kb_query", 1000000}};
  g.unit = "USD";
  return g;
}

core::UsageEvent ev(const std::string& id, const std::string& action = "llm_gpt4", std::int64_t milli = 1000) {
  return core::UsageEvent{id, action, milli, kWall0};
}

// A 2xx (or, with `http`, a 402/403) events answer acknowledging `ids` at `each` credits.
Answer events_ok(const std::vector<std::string>& ids, double each, double balance, int http = 200,
                 std::vector<core::EventRejection> rejected = {}) {
  Answer a;
  a.request = Outgoing::Kind::events;
  a.http_status = http;
  a.api_error.http_status = http;
  if (http == 402) a.api_error.code = "INSUFFICIENT_BALANCE";
  a.kind = core::classify(http, a.api_error.code);
  core::EventsAck ack;
  ack.has_balance = true;
  ack.balance = balance;
  ack.accepted = ids;
  ack.has_charges = true;
  for (const auto& id : ids) ack.charges[id] = each;
  ack.rejected = std::move(rejected);
  a.events = ack;
  return a;
}

Answer events_status(int http, std::string code = {}) {
  Answer a = status(http, std::move(code));
  a.ack.reset();
  a.request = Outgoing::Kind::events;
  return a;
}

std::size_t count_ops(const std::vector<core::JournalOp>& ops, core::JournalOp::Kind kind) {
  std::size_t n = 0;
  for (const auto& op : ops) n += op.kind == kind;
  return n;
}

}  // namespace

TEST_CASE("events: journaled, then batched after the delay beside heartbeats, and their charges counted") {
  Rig r(60s, 300s, priced_grant());
  r.m.set_event_batch_delay(1000ms);
  r.m.take_journal();
  r.m.record_event(r.now, ev("a"), 0);
  r.m.record_event(r.now + 200ms, ev("b", "kb_query", 2500), 0);
  CHECK(r.m.next_wakeup() <= r.now + core::kEventJournalDelay);
  CHECK_FALSE(r.m.next_event_batch(r.now));
  const auto journal = r.m.take_journal();
  CHECK(count_ops(journal, core::JournalOp::Kind::event) == 2);
  CHECK(r.m.next_wakeup() == r.t0 + 1000ms);
  r.elapse(1000ms);
  auto batch = r.m.next_event_batch(r.now);
  REQUIRE(batch);
  CHECK(count_ops(r.m.take_journal(), core::JournalOp::Kind::event) == 0);  // journaled once
  r.reply(events_ok({"a", "b"}, 0, 87.5));
  SessionStats st;
  r.m.fill_stats(r.now, st);
  CHECK(st.events_recorded == 2);
  CHECK(st.events_acknowledged == 2);
  CHECK(st.events_pending == 0);
  CHECK(st.balance == 87.5);
  CHECK(st.unit == "USD");
  CHECK(count_ops(r.m.take_journal(), core::JournalOp::Kind::events_settled) == 1);
  CHECK(r.m.state() == SessionState::active);
}

TEST_CASE("events: charges from `charges` count into credits_charged, duplicates included") {
  Rig r(60s, 300s, priced_grant());
  r.m.record_event(r.now, ev("a"), 0);
  r.m.request_flush();
  REQUIRE(r.m.next_event_batch(r.now));
  Answer a = events_ok({}, 0, 90);
  a.events->duplicates = {"a"};
  a.events->charges = {{"a", 10.0}};
  r.reply(a);
  SessionStats st;
  r.m.fill_stats(r.now, st);
  CHECK(st.credits_charged == Approx(10.0));
  CHECK(st.events_acknowledged == 1);
}

TEST_CASE("events: a rejected event is reported, dropped and settled") {
  Rig r(60s, 300s, priced_grant());
  r.m.record_event(r.now, ev("a", "nope"), 0);
  const std::uint64_t target = r.m.events_recorded();
  r.m.request_flush();
  REQUIRE(r.m.next_event_batch(r.now));
  CHECK_FALSE(r.m.delivered(0, target));
  r.reply(events_ok({}, 0, 100, 200, {core::EventRejection{"a", "UNKNOWN_ACTION", "no price"}}));
  const auto rejected = r.m.take_rejected_events();
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].first.event_id == "a");
  CHECK(rejected[0].second.code == "UNKNOWN_ACTION");
  CHECK(r.m.delivered(0, target));
  bool warned = false;
  for (const auto& line : r.m.take_logs()) warned |= line.message.find("rejected: UNKNOWN_ACTION") != std::string::npos;
  CHECK(warned);
}

TEST_CASE("events: stop() sends the pending batch at once, then the release on its answer") {
  Rig r(60s, 300s, priced_grant());
  r.m.record_event(r.now, ev("a"), 0);
  r.m.stop(0);
  CHECK_FALSE(r.poll());  // no release while events are unsettled
  REQUIRE(r.m.next_event_batch(r.now));
  CHECK_FALSE(r.poll());
  CHECK_FALSE(r.m.finished());
  r.reply(events_ok({"a"}, 10, 90));
  const Outgoing release = r.send();
  CHECK(release.kind == Outgoing::Kind::release);
  r.reply(ok());
  CHECK(r.m.finished());
}

TEST_CASE("events: a 402 charges the batch and pauses, only a heartbeat's answer resumes") {
  Rig r(60s, 300s, priced_grant());
  r.m.record_event(r.now, ev("a"), 0);
  r.m.request_flush();
  REQUIRE(r.m.next_event_batch(r.now));
  r.reply(events_ok({"a"}, 10, -5, 402));
  CHECK(r.m.state() == SessionState::paused_billing);
  CHECK(r.m.reason() == Reason::insufficient_credits);
  SessionStats st;
  r.m.fill_stats(r.now, st);
  CHECK(st.events_acknowledged == 1);
  CHECK(st.credits_charged == Approx(10));
  // Another events 2xx does not resume.
  r.m.record_event(r.now, ev("b", "kb_query"), 0);
  r.m.request_flush();
  REQUIRE(r.m.next_event_batch(r.now));
  r.reply(events_ok({"b"}, 1, 20));
  CHECK(r.m.state() == SessionState::paused_billing);
  r.beat(0, ok(20));
  CHECK(r.m.state() == SessionState::active);
}

TEST_CASE("events: a refused token re-attaches, then the same batch goes again with the same ids") {
  Rig r(60s, 300s, priced_grant());
  r.m.record_event(r.now, ev("a"), 0);
  r.m.request_flush();
  const Outgoing first = *r.m.next_event_batch(r.now);
  r.reply(events_status(401, "TOKEN_EXPIRED"));
  CHECK_FALSE(r.m.next_event_batch(r.now));  // waits for the new token
  const Outgoing exchange = r.send();
  CHECK(exchange.kind == Outgoing::Kind::token_exchange);
  core::TokenGrant renewed = priced_grant();
  renewed.token = make_jwt(kExp0 + 600);
  r.reply(exchange_ok(renewed));
  const auto again = r.m.next_event_batch(r.now);
  REQUIRE(again);
  CHECK(again->body == first.body);
}

TEST_CASE("events: a failed batch backs off, honours Retry-After, and flush() hurries it") {
  Rig r(60s, 300s, priced_grant());
  r.m.record_event(r.now, ev("a"), 0);
  r.m.request_flush();
  const Outgoing first = *r.m.next_event_batch(r.now);
  Answer busy = events_status(429, "RATE_LIMITED");
  busy.api_error.retry_after = 7s;
  r.reply(busy);
  CHECK_FALSE(r.m.next_event_batch(r.now + 6s));
  CHECK(r.m.next_wakeup() <= r.now + 7s);
  r.m.request_flush();
  const auto again = r.m.next_event_batch(r.now);
  REQUIRE(again);
  CHECK(again->body == first.body);
}

TEST_CASE("events: the cap's projection prices unsettled events, crossing pauses at record()") {
  Rig r(60s, 300s, priced_grant());
  core::CreditPolicy policy;
  policy.max_credits = 15;
  r.m.set_credit_policy(policy);
  r.m.record_event(r.now, ev("a"), 0);  // 10
  CHECK(r.m.state() == SessionState::active);
  CHECK(r.m.projected_credits(0) == Approx(10));
  CHECK(r.m.cap_active_ms() == 150000);  // 5 credits left at 2 a minute
  r.m.record_event(r.now, ev("b"), 0);  // 20 > 15
  CHECK(r.m.state() == SessionState::paused_billing);
  CHECK(r.m.reason() == Reason::spend_cap);
  SessionStats st;
  r.m.fill_stats(r.now, st);
  CHECK(st.events_recorded == 2);  // usage that happened is recorded anyway
}

TEST_CASE("events: a dead process's unsettled events are recovered and resent with their ids, then the release") {
  std::vector<std::string> records;
  records.push_back(core::session_record(kSid, "essence", "cloud", 60000, 300000));
  core::JournalOp op;
  op.kind = core::JournalOp::Kind::event;
  for (const char* id : {"a", "b", "c"}) {
    op.event = ev(id);
    records.push_back(core::journal_op_record(kSid, op));
  }
  core::JournalOp settled;
  settled.kind = core::JournalOp::Kind::events_settled;
  settled.event_ids = {"a"};
  records.push_back(core::journal_op_record(kSid, settled));
  records.push_back(core::journal_op_record(kSid, op));  // "c" journaled twice: owed once
  const core::RecoveredJournal j = core::replay_records(records);
  REQUIRE(j.problems.empty());
  REQUIRE(j.sessions.size() == 1);
  const core::RecoveredSession& s = j.sessions[0];
  REQUIRE(s.events.size() == 2);
  CHECK(s.events[0].event_id == "b");
  CHECK(s.events[1].event_id == "c");
  CHECK_FALSE(s.ended);

  const TimePoint now{std::chrono::hours(2)};
  core::SessionMachine m(s, now, [] { return 0.5; });
  CHECK(m.take_journal().empty());  // already in the journal (the snapshot carries them)
  CHECK_FALSE(m.next_event_batch(now));  // the re-attach goes first
  auto exchange = m.next_request(now, kWall0, 0);
  REQUIRE(exchange);
  CHECK(exchange->kind == Outgoing::Kind::token_exchange);
  m.on_answer(now, exchange_ok(priced_grant()));
  auto batch = m.next_event_batch(now);
  REQUIRE(batch);
  CHECK(batch->body.find("\"event_id\":\"b\"") != std::string::npos);
  CHECK(batch->body.find("\"event_id\":\"c\"") != std::string::npos);
  CHECK_FALSE(m.next_request(now, kWall0, 0));  // the release waits for the events' answer
  m.on_answer(now, events_ok({"b", "c"}, 10, 80));
  auto release = m.next_request(now, kWall0, 0);
  REQUIRE(release);
  CHECK(release->kind == Outgoing::Kind::release);
}

TEST_CASE("events: the compaction snapshot keeps unsettled events and a release already acknowledged") {
  Rig r(60s, 300s, priced_grant());
  r.m.record_event(r.now, ev("a"), 0);
  const auto snapshot = r.m.journal_snapshot(0);
  CHECK(count_ops(snapshot, core::JournalOp::Kind::event) == 1);
  std::vector<std::string> records{core::session_record(kSid, "essence", "cloud", 60000, 300000)};
  for (const auto& op : snapshot) records.push_back(core::journal_op_record(kSid, op));
  core::JournalOp state = snapshot.front();
  state.released = true;
  records.push_back(core::journal_op_record(kSid, state));
  const auto j = core::replay_records(records);
  REQUIRE(j.sessions.size() == 1);
  CHECK(j.sessions[0].released);
  CHECK(j.sessions[0].events.size() == 1);
  CHECK_FALSE(j.sessions[0].ended);
}

TEST_CASE("events: at shutdown the release goes beside the pending batch, not after its answer") {
  Rig r(60s, 300s, priced_grant());
  r.m.record_event(r.now, ev("a"), 0);
  r.m.stop(0);
  r.m.release_without_waiting();
  REQUIRE(r.m.next_event_batch(r.now));
  const Outgoing release = r.send();
  CHECK(release.kind == Outgoing::Kind::release);
  r.reply(ok());
  CHECK_FALSE(r.m.finished());  // the events are still owed
  r.reply(events_ok({"a"}, 10, 90));
  CHECK(r.m.finished());
}

TEST_CASE("events: events_credits_charged is the events' part of credits_charged, duplicates and a 402's included") {
  Rig r(60s, 300s, priced_grant());
  r.beat(60000, ok(99, 0.5));  // active time: 0.5
  r.m.record_event(r.now, ev("a"), 0);
  r.m.record_event(r.now, ev("b", "kb_query", 2500), 0);
  r.m.request_flush();
  REQUIRE(r.m.next_event_batch(r.now));
  Answer a = events_ok({"a"}, 10, 86.5);
  a.events->duplicates = {"b"};
  a.events->charges["b"] = 2.5;
  r.reply(a);
  r.m.record_event(r.now, ev("c", "kb_query", 100), 0);
  r.m.request_flush();
  REQUIRE(r.m.next_event_batch(r.now));
  r.reply(events_ok({"c"}, 0.1, -1, 402));
  SessionStats st;
  r.m.fill_stats(r.now, st);
  CHECK(st.events_credits_charged == 12.6);  // exact: summed in milli-units (12600 / 1000)
  CHECK(st.credits_charged == Approx(13.1));
  CHECK(st.credits_charged - st.events_credits_charged == Approx(0.5));
  // The balance events carry the unit of the answers.
  for (const auto& b : r.m.take_balance_events()) CHECK(b.unit == "USD");
}

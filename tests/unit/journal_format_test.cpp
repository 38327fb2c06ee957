// The journal's record format: chained hashes, torn and corrupted tails, and the replay
// that tells what a dead process's sessions still owe.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/journal_format.hpp"

using namespace creditmeter::core;

namespace {

Outgoing heartbeat(std::uint64_t seq, std::int64_t active_ms) {
  Outgoing o;
  o.kind = Outgoing::Kind::heartbeat;
  o.seq = seq;
  o.idempotency_key = "s1:" + std::to_string(seq);
  o.body = heartbeat_body("s1", seq, active_ms, "2026-11-24T00:00:00.000Z", "2026-11-24T00:01:00.000Z");
  o.active_ms = active_ms;
  return o;
}

JournalOp sent(const Outgoing& o) {
  JournalOp op;
  op.kind = JournalOp::Kind::sent;
  op.request = o;
  return op;
}

JournalOp simple(JournalOp::Kind kind, std::uint64_t seq, std::int64_t total = 0) {
  JournalOp op;
  op.kind = kind;
  op.seq = seq;
  op.total_ms = total;
  return op;
}

std::string encode(const std::vector<std::string>& records) {
  ChainHash chain{};
  std::string out;
  for (const auto& r : records) encode_record(r, chain, out);
  return out;
}

std::vector<std::string> session_history() {
  return {meta_record("http://127.0.0.1:1", "acct", 42),
          session_record("s1", "essence", "cloud", 60000, 300000),
          journal_op_record("s1", sent(heartbeat(1, 1000))),
          journal_op_record("s1", simple(JournalOp::Kind::ack, 1)),
          journal_op_record("s1", sent(heartbeat(2, 500))),
          journal_op_record("s1", simple(JournalOp::Kind::checkpoint, 0, 2300))};
}

}  // namespace

TEST_CASE("journal records round-trip through the hash chain", "[unit][journal]") {
  const auto records = session_history();
  const DecodedJournal d = decode_records(encode(records));
  CHECK(d.damage.empty());
  CHECK(d.records == records);
}

TEST_CASE("a torn or corrupted tail keeps the verified prefix", "[unit][journal]") {
  const auto records = session_history();
  const std::string bytes = encode(records);
  SECTION("torn: the last line lost its end") {
    const DecodedJournal d = decode_records(bytes.substr(0, bytes.size() - 5));
    CHECK(d.records.size() == records.size() - 1);
    CHECK_THAT(d.damage, Catch::Contains("torn"));
  }
  SECTION("a flipped byte in the middle") {
    std::string bad = bytes;
    const auto pos = bad.find("\"active_ms\":500");
    REQUIRE(pos != std::string::npos);
    bad[pos + 12] = '9';
    const DecodedJournal d = decode_records(bad);
    CHECK(d.records.size() == 4);
    CHECK_THAT(d.damage, Catch::Contains("checksum"));
  }
  SECTION("garbage") {
    const DecodedJournal d = decode_records(std::string(100, '\0') + "\n");
    CHECK(d.records.empty());
    CHECK_FALSE(d.damage.empty());
  }
}

TEST_CASE("replay finds the unacknowledged heartbeat and the checkpointed usage", "[unit][journal]") {
  const RecoveredJournal r = replay_records(session_history());
  REQUIRE(r.sessions.size() == 1);
  const RecoveredSession& s = r.sessions[0];
  CHECK(r.base_url == "http://127.0.0.1:1");
  CHECK(s.model == "essence");
  CHECK(s.last_seq == 2);
  CHECK(s.sent_ms == 1500);
  CHECK(s.total_ms == 2300);
  REQUIRE(s.unacknowledged.size() == 1);
  CHECK(s.unacknowledged[0].seq == 2);
  CHECK(s.unacknowledged[0].body == heartbeat(2, 500).body);  // byte-identical resend
  CHECK_FALSE(s.ended);
  CHECK(r.problems.empty());
}

TEST_CASE("replay: an acknowledged release ends a session, a drop returns its usage", "[unit][journal]") {
  auto records = session_history();
  records.push_back(journal_op_record("s1", simple(JournalOp::Kind::drop, 2)));
  RecoveredJournal r = replay_records(records);
  CHECK(r.sessions[0].sent_ms == 1000);
  CHECK(r.sessions[0].unacknowledged.empty());

  Outgoing rel;
  rel.kind = Outgoing::Kind::release;
  rel.seq = 3;
  rel.idempotency_key = "s1:3";
  rel.body = release_body("s1", 3, 1300);
  rel.active_ms = 1300;
  records.push_back(journal_op_record("s1", sent(rel)));
  records.push_back(journal_op_record("s1", simple(JournalOp::Kind::ack, 3)));
  r = replay_records(records);
  CHECK(r.sessions[0].ended);
}

TEST_CASE("replay skips nonsense records and reports them", "[unit][journal]") {
  auto records = session_history();
  records.push_back("{\"type\":\"ack\",\"sid\":\"s1\",\"seq\":99}");
  records.push_back("{\"type\":\"sent\",\"sid\":\"ghost\"}");
  records.push_back("[1,2,3]");
  const RecoveredJournal r = replay_records(records);
  CHECK(r.problems.size() == 3);
  CHECK(r.sessions.size() == 1);
  CHECK_FALSE(r.sessions[0].unacknowledged.empty());
}

TEST_CASE("a compaction snapshot replays to the same debt", "[unit][journal]") {
  TokenGrant g;
  g.token = "t";
  g.session_id = "s1";
  g.heartbeat_interval = std::chrono::milliseconds(1000);
  SessionMachine m("s1", "essence", "cloud", g, TimePoint(0), 0, [] { return 0.5; });
  const auto hb = m.next_request(TimePoint(std::chrono::seconds(1)), 1000, 700);
  REQUIRE(hb);
  std::vector<std::string> records = {session_record("s1", "essence", "cloud", 1000, 300000)};
  for (const auto& op : m.journal_snapshot(900)) records.push_back(journal_op_record("s1", op));
  const RecoveredJournal r = replay_records(records);
  REQUIRE(r.sessions.size() == 1);
  CHECK(r.sessions[0].sent_ms == 700);
  CHECK(r.sessions[0].total_ms == 900);
  REQUIRE(r.sessions[0].unacknowledged.size() == 1);
  CHECK(r.sessions[0].unacknowledged[0].body == hb->body);
}

TEST_CASE("journal records are byte-identical to a json object's dump (keys sorted)", "[unit][journal]") {
  using nlohmann::json;
  Outgoing o = heartbeat(3, 59960);
  o.body += "\"\\\n";  // a body with characters that need escaping
  JournalOp state = simple(JournalOp::Kind::state, 9, 120000);
  state.sent_ms = 119000;
  CHECK(journal_op_record("s1", sent(o)) ==
        json{{"sid", "s1"}, {"type", "sent"}, {"kind", "heartbeat"}, {"seq", 3}, {"key", o.idempotency_key},
             {"body", o.body}, {"active_ms", 59960}}.dump());
  CHECK(journal_op_record("s1", simple(JournalOp::Kind::ack, 3)) == json{{"sid", "s1"}, {"type", "ack"}, {"seq", 3}}.dump());
  CHECK(journal_op_record("s1", simple(JournalOp::Kind::drop, 4)) == json{{"sid", "s1"}, {"type", "drop"}, {"seq", 4}}.dump());
  CHECK(journal_op_record("s1", simple(JournalOp::Kind::checkpoint, 0, 5000)) ==
        json{{"sid", "s1"}, {"type", "checkpoint"}, {"total_ms", 5000}}.dump());
  CHECK(journal_op_record("s1", state) ==
        json{{"sid", "s1"}, {"type", "state"}, {"last_seq", 9}, {"sent_ms", 119000}, {"total_ms", 120000}}.dump());
}

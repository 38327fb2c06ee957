// The journal reader against crafted records (found by tests/fuzz/fuzz_journal.cpp). A journal
// is owner-only and hash-chained, but its reader must still never run into undefined
// behaviour: out-of-range numbers are a reported problem, not a wrapped total.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/journal_format.hpp"

using namespace creditmeter;

namespace {

const std::string kSession =
    R"({"type":"session","sid":"s","model":"essence","surface":"cloud","interval_ms":60000,"grace_ms":300000})";

std::string sent(int seq, const std::string& active_ms) {
  return R"({"type":"sent","sid":"s","kind":"heartbeat","seq":)" + std::to_string(seq) + R"(,"key":"s:)" +
         std::to_string(seq) + R"(","body":"{}","active_ms":)" + active_ms + "}";
}

}  // namespace

TEST_CASE("journal replay: ordinary records", "[security][journal]") {
  const auto r = core::replay_records({kSession, sent(1, "60000"), R"({"type":"ack","sid":"s","seq":1})",
                                       sent(2, "1000")});
  REQUIRE(r.sessions.size() == 1);
  CHECK(r.problems.empty());
  CHECK(r.sessions[0].sent_ms == 61000);
  REQUIRE(r.sessions[0].unacknowledged.size() == 1);
  CHECK(r.sessions[0].unacknowledged[0].seq == 2);
}

// Was a bug (fixed): replay_records adds `active_ms` of every `sent` record into an int64 without a bound
// (journal_format.cpp: `s->sent_ms += o.active_ms`): two records of 9e18 ms overflow, which
// is undefined behaviour (UBSan reports it) and, in practice, a negative total.
TEST_CASE("journal replay: usage totals that would overflow are a problem, not UB", "[security][journal]") {
  const auto r = core::replay_records({kSession, sent(1, "9000000000000000000"), sent(2, "9000000000000000000")});
  CHECK_FALSE(r.problems.empty());
  REQUIRE(r.sessions.size() == 1);
  CHECK(r.sessions[0].sent_ms >= 0);
  CHECK(r.sessions[0].total_ms >= r.sessions[0].sent_ms);
}

// Was a bug (fixed): replay_records reads integers with json::get<std::int64_t>(), which static_casts a
// float: "interval_ms":1e300 is undefined behaviour (UBSan: float-cast-overflow). Integer
// fields must be JSON integers within range, else the record is a problem.
TEST_CASE("journal replay: a float where an integer belongs is a problem, not UB", "[security][journal]") {
  const auto r = core::replay_records(
      {R"({"type":"session","sid":"s","model":"essence","surface":"cloud","interval_ms":1e300,"grace_ms":1})",
       R"({"type":"session","sid":"t","model":"essence","surface":"cloud","interval_ms":60000,"grace_ms":300000})",
       R"({"type":"checkpoint","sid":"t","total_ms":-1e300})"});
  CHECK(r.problems.size() == 2);
}

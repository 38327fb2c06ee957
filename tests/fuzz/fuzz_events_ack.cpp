// libFuzzer target: the answer to POST /v1/usage-events as the SDK reads it
// (src/core/event_protocol.cpp's parse_events_ack, through decode_answer as the session gets
// it) and what it then does with it: the events lane settles its batch by the answer's lists
// and `charges` (src/core/event_lane.cpp) and the credit tracker adds the charge
// (src/core/credit_tracker.cpp). Every input is a server body, read as a 2xx and as a
// charging 402. A reading either succeeds or is an unreadable answer (a 2xx is then offline,
// to be resent); the settlement must account for each event of the batch exactly once, and
// no body may leave the money the app sees NaN or drive the cap check wrong. Anything else (an
// exception escaping, a crash, a sanitizer report) is a bug.

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/credit_tracker.hpp"
#include "core/event_lane.hpp"
#include "core/printable.hpp"
#include "core/protocol.hpp"
#include "fuzz_check.hpp"

using namespace creditmeter;

namespace {

// The batch's ids: fixed ones the seeds use, so the fuzzer reaches matched ids (charged,
// rejected) as well as unknown ones, whatever the body lists.
const char* const kBatchIds[] = {"e1", "e2", "e3", "e4"};

void check_ack(const core::EventsAck& ack) {
  FUZZ_CHECK(std::isfinite(ack.balance) && std::isfinite(ack.credits_charged));
  for (const auto& kv : ack.charges) FUZZ_CHECK(std::isfinite(kv.second));
  for (const auto* ids : {&ack.accepted, &ack.duplicates}) {
    for (const auto& id : *ids) FUZZ_CHECK(id.size() <= 128);
  }
  for (const auto& r : ack.rejected) {
    // Shown to the app and logged: bounded and printable (printable() leaves it unchanged).
    FUZZ_CHECK(r.code.size() <= 64 * 4 && r.message.size() <= 512 * 4);
    FUZZ_CHECK(core::printable(r.code) == r.code);
    FUZZ_CHECK(core::printable(r.message) == r.message);
  }
}

// Settles a batch of kBatchIds by `ack` and charges the tracker as the session does.
void settle(const core::EventsAck& ack) {
  const core::TimePoint now{};
  core::EventLane lane(std::chrono::milliseconds(0));
  lane.set_prices({{"llm_gpt4", 10000000}});
  for (const char* id : kBatchIds) lane.record(core::UsageEvent{id, "llm_gpt4", 1000, 0}, now, /*journaled=*/true);
  lane.hurry_all_recorded();
  const auto batch = lane.next_batch(now, "s");
  FUZZ_CHECK(batch && lane.batch_size() == 4);
  FUZZ_CHECK(lane.pending_units() == 40.0);

  const core::EventSettlement s = lane.settle(&ack);
  FUZZ_CHECK(s.settled_ids.size() == 4);
  FUZZ_CHECK(s.acknowledged + s.rejected.size() == 4);
  FUZZ_CHECK(std::set<std::string>(s.settled_ids.begin(), s.settled_ids.end()).size() == 4);
  for (const auto& r : s.rejected) FUZZ_CHECK(r.first.event_id == r.second.event_id);
  FUZZ_CHECK(lane.idle() && lane.settled_through(4) && lane.pending_units() == 0);
  FUZZ_CHECK(lane.acknowledged() + lane.rejected() == 4);
  FUZZ_CHECK(!std::isnan(s.charged));

  core::CreditTracker credits(2);
  core::CreditPolicy policy;
  policy.max_credits = 100;
  credits.set_policy(policy);
  credits.set_balance(1000);
  credits.record_charge(0.5, 999.5);  // active time before the events
  credits.record_event_charge(s.charged, s.balance.value_or(credits.balance()));
  FUZZ_CHECK(!std::isnan(credits.credits_charged()) && !std::isnan(credits.events_credits_charged()));
  FUZZ_CHECK(!std::isnan(credits.balance()));
  for (const auto& e : credits.take_events()) FUZZ_CHECK(e.unit == "credits" && !std::isnan(e.session_credits));
  (void)credits.cap_active_ms(0, lane.pending_units());
  (void)credits.judge_cap(now, 0, credits.projected(0), false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  try {
    check_ack(core::parse_events_ack(body));
  } catch (const core::ProtocolError&) {
  }
  for (const int status : {200, 402}) {
    const core::Answer a = core::decode_answer(core::Outgoing::Kind::events, status, body, "", "", 0);
    FUZZ_CHECK(a.request == core::Outgoing::Kind::events);
    FUZZ_CHECK(!a.ack && !a.grant);
    if (!a.events) {
      // Unreadable: a 2xx is an outage (resend the batch), a 402 still pauses.
      FUZZ_CHECK(a.kind == (status == 200 ? core::AnswerKind::offline : core::AnswerKind::insufficient));
      continue;
    }
    FUZZ_CHECK(a.kind == (status == 200 ? core::AnswerKind::ok : core::AnswerKind::insufficient));
    check_ack(*a.events);
    settle(*a.events);
  }
  return 0;
}

// Unit tests of idempotency.cpp: one session's store of first answers.
#include <catch2/catch.hpp>

#include <string>

#include "idempotency.hpp"

using namespace creditmeter::emulator;
using nlohmann::json;

namespace {

IdempotencyRecord record_for(std::int64_t seq) {
  return {"s:" + std::to_string(seq), "heartbeat {}", 200, "answer " + std::to_string(seq)};
}

}  // namespace

TEST_CASE("idempotency store: finds what it remembers, byte for byte", "[emulator][unit]") {
  IdempotencyStore store;
  CHECK(store.find("s:1") == nullptr);
  store.remember({"s:1", "heartbeat {\"seq\":1}", 402, "first answer"});
  const IdempotencyRecord* found = store.find("s:1");
  REQUIRE(found);
  CHECK(found->status == 402);
  CHECK(found->response == "first answer");
  CHECK(store.find("s:2") == nullptr);
}

TEST_CASE("idempotency store: keeps the last kWindow keys and knows what it may have forgotten",
          "[emulator][unit]") {
  IdempotencyStore store;
  for (std::int64_t seq = 1; seq < static_cast<std::int64_t>(IdempotencyStore::kWindow); ++seq) store.remember(record_for(seq));
  CHECK_FALSE(store.may_have_forgotten(0));  // nothing dropped yet: an old seq is simply new
  store.remember(record_for(static_cast<std::int64_t>(IdempotencyStore::kWindow)));
  CHECK(store.records().size() == IdempotencyStore::kWindow);
  CHECK(store.may_have_forgotten(0));
  CHECK_FALSE(store.may_have_forgotten(1));  // still remembered
  store.remember(record_for(static_cast<std::int64_t>(IdempotencyStore::kWindow) + 1));
  CHECK(store.records().size() == IdempotencyStore::kWindow);
  CHECK(store.find("s:1") == nullptr);  // the oldest went
  CHECK(store.find("s:2") != nullptr);
  CHECK(store.may_have_forgotten(1));
  CHECK_FALSE(store.may_have_forgotten(2));
  CHECK_FALSE(store.may_have_forgotten(100));  // newer than all: a new request
}

TEST_CASE("idempotency store: session ids with colons keep their seq", "[emulator][unit]") {
  IdempotencyStore store;
  for (std::int64_t seq = 10; seq < 10 + static_cast<std::int64_t>(IdempotencyStore::kWindow); ++seq) {
    store.remember({"a:b:" + std::to_string(seq), "", 200, ""});
  }
  CHECK(store.may_have_forgotten(9));
  CHECK_FALSE(store.may_have_forgotten(10));
}

TEST_CASE("request fingerprint: field order does not matter, the operation does", "[emulator][unit]") {
  const json a = {{"session_id", "s"}, {"seq", 1}, {"active_ms", 5}};
  const json b = json::parse(R"({"active_ms":5,"seq":1,"session_id":"s"})");
  CHECK(request_fingerprint(Op::kHeartbeat, a) == request_fingerprint(Op::kHeartbeat, b));
  CHECK(request_fingerprint(Op::kHeartbeat, a) != request_fingerprint(Op::kRelease, a));
  CHECK(request_fingerprint(Op::kHeartbeat, a) != request_fingerprint(Op::kHeartbeat, {{"session_id", "s"}, {"seq", 1}, {"active_ms", 6}}));
}

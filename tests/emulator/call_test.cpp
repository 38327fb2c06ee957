// Unit tests of call.cpp: operation names and the write-ahead log's record of a call.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "call.hpp"

using namespace creditmeter::emulator;
using nlohmann::json;

TEST_CASE("operation names round-trip and are the state file's names", "[emulator][unit]") {
  const Op all[] = {Op::kExchangeToken, Op::kHeartbeat, Op::kRelease,   Op::kCreditSummary, Op::kCreateAccount,
                    Op::kTopup,         Op::kRevoke,    Op::kConfigure, Op::kLedger,        Op::kAccount};
  for (const Op op : all) CHECK(op_from_string(to_string(op)) == op);
  // Logs already on disk use these names.
  CHECK(std::string(to_string(Op::kHeartbeat)) == "heartbeat");
  CHECK(std::string(to_string(Op::kExchangeToken)) == "exchange_token");
  CHECK_FALSE(op_from_string("Heartbeat").has_value());
  CHECK_FALSE(op_from_string("").has_value());
}

TEST_CASE("a call survives its log record unchanged", "[emulator][unit]") {
  Call call;
  call.op = Op::kRelease;
  call.api_secret = "secret";
  call.bearer = "a.b.c";
  call.idempotency_key = "s:3";
  call.body = {{"session_id", "s"}, {"seq", 3}, {"active_ms", 250}};
  call.fresh_id = "00000000-0000-4000-8000-000000000001";
  const json record = call_to_record(call, 1234);
  CHECK(record["now"] == 1234);
  CHECK(record["op"] == "release");
  CHECK(record["key"] == "s:3");
  const Call back = call_from_record(record);
  CHECK(back.op == call.op);
  CHECK(back.api_secret == call.api_secret);
  CHECK(back.bearer == call.bearer);
  CHECK(back.idempotency_key == call.idempotency_key);
  CHECK(back.body == call.body);
  CHECK(back.fresh_id == call.fresh_id);
}

TEST_CASE("a log record with an unknown operation or a missing field is refused", "[emulator][unit]") {
  json record = call_to_record(Call{}, 0);
  record["op"] = "explode";
  CHECK_THROWS_AS(call_from_record(record), std::runtime_error);
  record = call_to_record(Call{}, 0);
  record.erase("bearer");
  CHECK_THROWS(call_from_record(record));
}

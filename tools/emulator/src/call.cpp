#include "call.hpp"

#include <stdexcept>

namespace creditmeter::emulator {
namespace {

struct OpName {
  Op op;
  const char* name;
};
constexpr OpName kOpNames[] = {
    {Op::kExchangeToken, "exchange_token"}, {Op::kHeartbeat, "heartbeat"},
    {Op::kRelease, "release"},              {Op::kCreditSummary, "credit_summary"},
    {Op::kCreateAccount, "create_account"}, {Op::kTopup, "topup"},
    {Op::kRevoke, "revoke"},                {Op::kConfigure, "configure"},
    {Op::kLedger, "ledger"},                {Op::kAccount, "account"},
    {Op::kUsageEvents, "usage_events"},     {Op::kPrices, "prices"},
};

}  // namespace

const char* to_string(Op op) {
  for (const auto& entry : kOpNames) {
    if (entry.op == op) return entry.name;
  }
  return "unknown";
}

std::optional<Op> op_from_string(const std::string& name) {
  for (const auto& entry : kOpNames) {
    if (name == entry.name) return entry.op;
  }
  return std::nullopt;
}

nlohmann::json call_to_record(const Call& call, UnixMillis now) {
  return {{"op", to_string(call.op)}, {"now", now},           {"api_secret", call.api_secret},
          {"bearer", call.bearer},    {"key", call.idempotency_key}, {"body", call.body},
          {"id", call.fresh_id}};
}

Call call_from_record(const nlohmann::json& record) {
  const auto op = op_from_string(record.at("op").get<std::string>());
  if (!op) throw std::runtime_error("unknown operation in the state log");
  Call call;
  call.op = *op;
  call.api_secret = record.at("api_secret").get<std::string>();
  call.bearer = record.at("bearer").get<std::string>();
  call.idempotency_key = record.at("key").get<std::string>();
  call.body = record.at("body");
  call.fresh_id = record.at("id").get<std::string>();
  return call;
}

}  // namespace creditmeter::emulator

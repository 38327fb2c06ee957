#include "admin.hpp"

#include "catalog.hpp"
#include "fields.hpp"

namespace creditmeter::emulator {
namespace {

constexpr int kMaxConcurrentCap = 1'000'000;

Reply with_mutation(Reply reply) {
  reply.mutated = true;
  return reply;
}

nlohmann::json account_json(const LedgerState& state, const Account& account, UnixMillis now) {
  return {{"account_id", account.id},
          {"api_secret", account.api_secret},
          {"plan", account.plan},
          {"unit", account.unit},
          {"balance", milli_to_credits(account.balance())},
          {"plan_credits", milli_to_credits(account.plan_mc)},
          {"topup_credits", milli_to_credits(account.topup_mc)},
          {"max_concurrent", account.max_concurrent},
          {"active_sessions", account.slots.live_at(now, state.timing.slot_hold_ms())},
          {"revoked", account.revoked}};
}

// The account named by the body's (or query's) api_secret, or the reply refusing the call.
std::optional<Reply> find_account(LedgerState& state, const Call& call, Account*& account) {
  FieldReader fields(call.body);
  const auto secret = fields.text("api_secret", true, 256);
  if (fields.failed()) return fields.error();
  account = state.accounts.by_secret(*secret);
  if (!account) return error_reply(404, "ACCOUNT_NOT_FOUND", "no account with this api_secret");
  return std::nullopt;
}

}  // namespace

Reply create_account(LedgerState& state, const Call& call, UnixMillis now) {
  FieldReader fields(call.body);
  const auto secret = fields.text("api_secret", true, 256);
  const auto plan_name = fields.text("plan", false, 64);
  const auto balance = fields.credits("balance", false);
  const auto max_concurrent = fields.integer("max_concurrent", false, 0, kMaxConcurrentCap);
  const auto unit = fields.text("unit", false, 16);
  if (fields.failed()) return fields.error();
  if (unit && !known_unit(*unit)) return error_reply(400, "INVALID_REQUEST", "field 'unit' must be \"credits\" or \"USD\"");
  if (secret->empty()) return error_reply(400, "INVALID_REQUEST", "field 'api_secret' must not be empty");
  const auto plan = find_plan(plan_name.value_or("free"));
  if (!plan) return error_reply(400, "UNKNOWN_PLAN", "plan must be one of free, creator, pro");
  if (state.accounts.has_secret(*secret)) {
    return error_reply(409, "ACCOUNT_EXISTS", "an account with this api_secret exists");
  }

  Account account;
  account.api_secret = *secret;
  account.plan = plan->name;
  account.unit = unit.value_or(kUnitCredits);
  account.plan_mc = balance.value_or(plan->credits_mc);
  account.max_concurrent = static_cast<int>(max_concurrent.value_or(plan->max_concurrent));
  account.created_ms = now;
  const Account& stored = state.accounts.create(std::move(account));
  return with_mutation(success_reply(account_json(state, stored, now), 201));
}

Reply topup(LedgerState& state, const Call& call) {
  FieldReader fields(call.body);
  const auto secret = fields.text("api_secret", true, 256);
  const auto credits = fields.credits("credits", true);
  if (fields.failed()) return fields.error();
  if (*credits < 0) return error_reply(400, "INVALID_REQUEST", "field 'credits' must not be negative");
  Account* account = state.accounts.by_secret(*secret);
  if (!account) return error_reply(404, "ACCOUNT_NOT_FOUND", "no account with this api_secret");
  account->credit_topup(*credits);
  return with_mutation(success_reply({{"balance", milli_to_credits(account->balance())},
                                      {"plan_credits", milli_to_credits(account->plan_mc)},
                                      {"topup_credits", milli_to_credits(account->topup_mc)}}));
}

Reply revoke(LedgerState& state, const Call& call) {
  Account* account = nullptr;
  if (auto refused = find_account(state, call, account)) return *refused;
  account->revoked = true;
  return with_mutation(success_reply({{"revoked", true}}));
}

Reply account_details(LedgerState& state, const Call& call, UnixMillis now) {
  Account* account = nullptr;
  if (auto refused = find_account(state, call, account)) return *refused;
  return success_reply(account_json(state, *account, now));
}

Reply ledger_listing(const LedgerState& state, const Call& call) {
  // Optional filter ?session_id= so that tests need not fetch thousands of rows.
  const auto filter = call.body.find("session_id");
  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json events = nlohmann::json::array();
  if (filter != call.body.end() && filter->is_string()) {
    const std::string session_id = filter->get<std::string>();
    if (const Session* session = state.sessions.find(session_id)) {
      rows.push_back(ledger_row(*session));
      events = state.events.listing(session_id);
    }
  } else {
    for (const Session* session : state.sessions.in_creation_order()) rows.push_back(ledger_row(*session));
    events = state.events.listing();
  }
  // The admin answers use the same envelope; the ledger's rows also sit at the top level
  // so that `{"sessions":[...], "events":[...]}` reads exactly as documented.
  Reply reply = success_reply({{"sessions", rows}, {"events", events}});
  auto envelope = nlohmann::json::parse(reply.body);
  envelope["sessions"] = rows;
  envelope["events"] = events;
  reply.body = envelope.dump();
  return reply;
}

}  // namespace creditmeter::emulator

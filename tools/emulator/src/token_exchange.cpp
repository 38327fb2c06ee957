#include "token_exchange.hpp"

#include <optional>
#include <string>

#include "catalog.hpp"
#include "fields.hpp"

namespace creditmeter::emulator {
namespace {

struct ExchangeRequest {
  std::string model = "essence";  // the defaults of docs/PROTOCOL.md
  std::string surface = "cloud";
  std::optional<std::string> session_id;
};

std::optional<Reply> read_exchange_request(const nlohmann::json& body, ExchangeRequest& request) {
  FieldReader fields(body);
  const auto model = fields.text("model", false, 64);
  const auto surface = fields.text("surface", false, 64);
  request.session_id = fields.text("session_id", false, 1024);
  if (fields.failed()) return fields.error();
  if (request.session_id && !valid_session_id(*request.session_id)) {
    return error_reply(400, "INVALID_SESSION_ID", "session_id must be 1-128 characters of [A-Za-z0-9._:-]");
  }
  if (model) request.model = *model;
  if (surface) request.surface = *surface;
  return std::nullopt;
}

// Opens a new session for `account`, holding one of its slots, or says why not.
std::optional<Reply> open_session(LedgerState& state, Account& account, const ExchangeRequest& request,
                                  const Call& call, UnixMillis now, Session*& opened) {
  const auto rate = find_rate(request.model, request.surface, account.unit);
  if (!rate) {
    return error_reply(400, "UNSUPPORTED_MODEL_SURFACE",
                       "no rate for model '" + request.model + "' on surface '" + request.surface + "'");
  }
  if (account.balance() <= 0) {
    return error_reply(402, "INSUFFICIENT_BALANCE", "the balance is exhausted: top up credits",
                       {{"balance", milli_to_credits(account.balance())}});
  }
  expire_slots(state, account, now);
  if (!account.slots.has_free(account.max_concurrent)) {
    return error_reply(403, "CONCURRENCY_LIMIT_REACHED",
                       "the plan allows " + std::to_string(account.max_concurrent) + " concurrent sessions",
                       {{"limit", account.max_concurrent}});
  }
  const std::string id = request.session_id.value_or(call.fresh_id);
  if (!valid_session_id(id) || state.sessions.contains(id)) {
    return error_reply(500, "INTERNAL_ERROR", "could not allocate a session id");
  }
  Session fresh;
  fresh.id = id;
  fresh.account_id = account.id;
  fresh.model = request.model;
  fresh.surface = request.surface;
  fresh.transaction_id = "txn_" + call.fresh_id;
  fresh.rate_mc_per_min = *rate;
  opened = &state.sessions.create(std::move(fresh));
  account.slots.take(opened->id, opened->slot, now);
  return std::nullopt;
}

Reply exchange_answer(const LedgerState& state, const Account& account, const Session& session, bool created,
                      UnixMillis now) {
  const IssuedToken issued = issue_token(state, session, now);
  nlohmann::json data = {{"token", issued.token},
                         {"transaction_id", session.transaction_id},
                         {"session_id", session.id},
                         {"expires_at", issued.expires_at},
                         {"credits_per_minute", milli_to_credits(session.rate_mc_per_min)},
                         {"balance", milli_to_credits(account.balance())},
                         {"model", session.model},
                         {"surface", session.surface},
                         {"reattached", !created},
                         {"prices", state.prices.to_json()},
                         {"unit", account.unit}};
  data.update(timing_as_seconds(state.timing));
  Reply reply = success_reply(data);
  // A re-attach changes nothing durable: the token is derived from the signing key.
  reply.mutated = created;
  return reply;
}

}  // namespace

Reply exchange_token(LedgerState& state, const Call& call, UnixMillis now) {
  if (auto refused = state.accounts.check_api_secret(call.api_secret)) return *refused;
  Account& account = *state.accounts.by_secret(call.api_secret);

  ExchangeRequest request;
  if (auto invalid = read_exchange_request(call.body, request)) return *invalid;

  Session* session = request.session_id ? state.sessions.find(*request.session_id) : nullptr;
  if (session && session->account_id != account.id) {
    return error_reply(409, "SESSION_ID_CONFLICT", "this session_id belongs to another account");
  }
  const bool created = session == nullptr;
  if (created) {
    if (auto refused = open_session(state, account, request, call, now, session)) return *refused;
  }
  return exchange_answer(state, account, *session, created, now);
}

}  // namespace creditmeter::emulator

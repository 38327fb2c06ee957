#include "usage_reporting.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "billing.hpp"
#include "fields.hpp"

namespace creditmeter::emulator {
namespace {

constexpr std::int64_t kMaxSeq = (1LL << 53);            // JSON-safe integers
constexpr std::int64_t kMaxActiveMsPerCall = 1LL << 40;   // ~35 years of activity in one report
constexpr std::int64_t kMaxTotalActiveMs = 1LL << 60;     // keeps charge_for far from overflow

struct UsageReport {
  std::string session_id;
  std::int64_t seq = 0;
  std::int64_t active_ms = 0;
};

// Refusals are returned as the reply to send; nullopt means "go on".
using Refusal = std::optional<Reply>;

Refusal check_period(const std::string& period_start, const std::string& period_end) {
  const auto start = parse_rfc3339(period_start), end = parse_rfc3339(period_end);
  if (!start || !end) return error_reply(400, "INVALID_REQUEST", "period_start and period_end must be RFC 3339 timestamps");
  if (*end < *start) return error_reply(400, "INVALID_REQUEST", "period_end is before period_start");
  return std::nullopt;
}

// The body's fields. A heartbeat also carries its period, checked here and not kept: the
// charge depends on active_ms alone.
Refusal read_usage_report(const nlohmann::json& body, UsageKind kind, UsageReport& report) {
  FieldReader fields(body);
  const auto session_id = fields.text("session_id", true, 1024);
  const auto seq = fields.integer("seq", true, 0, kMaxSeq);
  const auto active_ms = fields.integer("active_ms", true, 0, kMaxActiveMsPerCall);
  std::optional<std::string> period_start, period_end;
  if (kind == UsageKind::kHeartbeat) {
    period_start = fields.text("period_start", true, 64);
    period_end = fields.text("period_end", true, 64);
  }
  if (fields.failed()) return fields.error();
  if (kind == UsageKind::kHeartbeat) {
    if (auto invalid = check_period(*period_start, *period_end)) return invalid;
  }
  report = {*session_id, *seq, *active_ms};
  return std::nullopt;
}

Refusal check_idempotency_key(const std::string& key, const UsageReport& report) {
  if (key.empty()) {
    return error_reply(400, "MISSING_IDEMPOTENCY_KEY", "the Idempotency-Key header is required: <session_id>:<seq>");
  }
  if (key != report.session_id + ":" + std::to_string(report.seq)) {
    return error_reply(400, "INVALID_IDEMPOTENCY_KEY", "the Idempotency-Key must be <session_id>:<seq> of the body");
  }
  return std::nullopt;
}

// The session the report is about, which the token must have been issued for.
Refusal find_reported_session(Sessions& sessions, const TokenClaims& claims, const UsageReport& report,
                              Session*& session) {
  if (claims.session_id != report.session_id) {
    return error_reply(401, "INVALID_TOKEN", "the token belongs to another session: exchange a new one");
  }
  session = sessions.find(report.session_id);
  if (!session || session->account_id != claims.account_id) {
    return error_reply(404, "SESSION_NOT_FOUND", "no such session");
  }
  return std::nullopt;
}

// The stored answer when this key was answered before (counted as a replay), or 422 when
// the key was used with another request.
Refusal answer_from_store(Session& session, const std::string& key, const std::string& fingerprint) {
  const IdempotencyRecord* record = session.idempotency.find(key);
  if (!record) return std::nullopt;
  if (record->request != fingerprint) {
    return error_reply(422, "IDEMPOTENCY_MISMATCH", "this Idempotency-Key was used with another body");
  }
  ++session.replays;
  Reply replay;
  replay.status = record->status;
  replay.body = record->response;
  replay.mutated = true;  // the replay counter changed
  return replay;
}

// What refuses a new (not replayed) report before anything is charged.
Refusal check_new_report(const Session& session, const TokenClaims& claims, const UsageReport& report,
                         UnixMillis now) {
  if (session.idempotency.may_have_forgotten(report.seq)) {
    return error_reply(409, "IDEMPOTENCY_KEY_EXPIRED", "this seq is older than the server remembers");
  }
  if (claims.expires * 1000 <= now) {
    return error_reply(401, "TOKEN_EXPIRED", "the token has expired: exchange a new one with the same session_id");
  }
  if (session.active_ms + report.active_ms > kMaxTotalActiveMs) {
    return error_reply(400, "INVALID_REQUEST", "active_ms total out of range");
  }
  return std::nullopt;
}

// A release frees the slot. A heartbeat is a sign of life: it refreshes the slot, or takes
// it back when one is free (a late heartbeat is never refused for want of one).
void update_slot(LedgerState& state, Account& account, Session& session, UnixMillis now, UsageKind kind) {
  expire_slots(state, account, now);
  if (kind == UsageKind::kRelease) {
    session.released = true;
    account.slots.free(session.id, session.slot);
    return;
  }
  ++session.heartbeats;
  if (session.slot.held) {
    account.slots.refresh(session.id, session.slot, now);
  } else if (!session.released && account.slots.has_free(account.max_concurrent)) {
    account.slots.take(session.id, session.slot, std::max(now, session.slot.last_seen_ms));
  }
}

Reply usage_answer(const LedgerState& state, const Account& account, const Session& session,
                   const UsageCharge& charge, UnixMillis now, UsageKind kind) {
  const nlohmann::json money = {{"balance", milli_to_credits(charge.balance_after)},
                                {"credits_charged", milli_to_credits(charge.charged_now)},
                                {"session_credits_charged", milli_to_credits(session.charged_mc)},
                                {"session_active_ms", session.active_ms}};
  switch (usage_verdict(account, charge, kind == UsageKind::kRelease)) {
    case UsageVerdict::kKeyRevoked:
      return error_reply(403, "KEY_REVOKED", "this API secret has been revoked; the usage was recorded", money);
    case UsageVerdict::kInsufficientBalance:
      return error_reply(402, "INSUFFICIENT_BALANCE", "the balance is exhausted: top up credits; the usage was recorded",
                         money);
    case UsageVerdict::kAccepted:
      break;
  }
  nlohmann::json data = money;
  if (kind == UsageKind::kHeartbeat) {
    // Every accepted heartbeat renews the token, so a session that keeps reporting never
    // has to re-exchange.
    const IssuedToken issued = issue_token(state, session, now);
    data["token"] = issued.token;
    data["expires_at"] = issued.expires_at;
  } else {
    data["released"] = true;
  }
  return success_reply(data);
}

}  // namespace

Reply report_usage(LedgerState& state, const Call& call, UnixMillis now, UsageKind kind) {
  const auto claims = state.signer.verify(call.bearer);
  if (!claims) {
    return error_reply(401, "INVALID_TOKEN", "the bearer token is missing or invalid: exchange a new one");
  }
  UsageReport report;
  if (auto refused = read_usage_report(call.body, kind, report)) return *refused;
  if (auto refused = check_idempotency_key(call.idempotency_key, report)) return *refused;
  Session* session = nullptr;
  if (auto refused = find_reported_session(state.sessions, *claims, report, session)) return *refused;
  Account& account = state.accounts.at(session->account_id);

  // Idempotency comes before the expiry check: a replay is answered even with an expired
  // token (its signature was checked above).
  const std::string fingerprint = request_fingerprint(call.op, call.body);
  if (auto stored = answer_from_store(*session, call.idempotency_key, fingerprint)) return *stored;
  if (auto refused = check_new_report(*session, *claims, report, now)) return *refused;

  // Record and charge, whatever the balance or the key's state: the answer may be an
  // error, but it acknowledges this usage and the client never resends it.
  const UsageCharge charge = record_usage(*session, account, report.active_ms);
  update_slot(state, account, *session, now, kind);
  Reply reply = usage_answer(state, account, *session, charge, now, kind);
  session->idempotency.remember({call.idempotency_key, fingerprint, reply.status, reply.body});
  reply.mutated = true;
  return reply;
}

}  // namespace creditmeter::emulator

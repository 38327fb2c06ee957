#include "ledger.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "catalog.hpp"
#include "fields.hpp"

namespace creditmeter::emulator {
namespace {

constexpr std::int64_t kMaxSeq = (1LL << 53);            // JSON-safe integers
constexpr std::int64_t kMaxActiveMsPerCall = 1LL << 40;   // ~35 years of activity in one report
constexpr std::int64_t kMaxTotalActiveMs = 1LL << 60;     // keeps charge_for far from overflow
constexpr std::int64_t kRenewalPeriodMs = 30LL * 24 * 3600 * 1000;
constexpr int kMaxConcurrentCap = 1'000'000;

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
};

// Seconds for the wire: an integer when whole (60), else a fraction (0.5).
nlohmann::json ms_as_seconds(std::int64_t ms) {
  if (ms % 1000 == 0) return ms / 1000;
  return static_cast<double>(ms) / 1000.0;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return a / b + (a % b > 0 ? 1 : 0); }

Reply with_mutation(Reply reply) {
  reply.mutated = true;
  return reply;
}

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

Ledger::Ledger(std::string signing_key) : signer_(std::move(signing_key)) {}

Reply Ledger::handle(const Call& call, UnixMillis now) {
  switch (call.op) {
    case Op::kExchangeToken: return exchange_token(call, now);
    case Op::kHeartbeat: return report_usage(call, now, /*is_release=*/false);
    case Op::kRelease: return report_usage(call, now, /*is_release=*/true);
    case Op::kCreditSummary: return credit_summary(call, now);
    case Op::kCreateAccount: return create_account(call, now);
    case Op::kTopup: return topup(call);
    case Op::kRevoke: return revoke(call);
    case Op::kConfigure: return configure(call);
    case Op::kLedger: return ledger_listing(call);
    case Op::kAccount: return account_details(call, now);
  }
  return error_reply(500, "INTERNAL_ERROR", "unknown operation");
}

std::optional<Reply> Ledger::check_api_secret(const std::string& secret) const {
  const auto id = secret_index_.find(secret);
  if (secret.empty() || id == secret_index_.end()) {
    return error_reply(401, "INVALID_API_SECRET", "the api-secret header is missing or unknown: check your API secret");
  }
  if (accounts_.at(id->second).revoked) {
    return error_reply(403, "KEY_REVOKED", "this API secret has been revoked");
  }
  return std::nullopt;
}

Ledger::Account* Ledger::account_by_secret(const std::string& secret) {
  const auto id = secret_index_.find(secret);
  return id == secret_index_.end() ? nullptr : &accounts_.at(id->second);
}

std::string Ledger::issue_token(const Session& session, UnixMillis now, std::int64_t& expires_at) const {
  // exp is whole Unix seconds (as expires_at is documented), rounded up so that a
  // sub-second TTL still yields a token that is valid when it is handed out.
  expires_at = ceil_div(now + timing_.token_ttl_ms, 1000);
  return signer_.sign(TokenClaims{session.account_id, session.id, now / 1000, expires_at});
}

// --- slots -------------------------------------------------------------------------------

void Ledger::expire_slots(Account& account, UnixMillis now) {
  const std::int64_t hold = timing_.slot_hold_ms();
  while (!account.slots.empty() && account.slots.begin()->first + hold <= now) {
    sessions_.at(account.slots.begin()->second).slot_held = false;
    account.slots.erase(account.slots.begin());
  }
}

void Ledger::take_slot(Account& account, Session& session, UnixMillis now) {
  session.slot_held = true;
  session.last_seen_ms = now;
  account.slots.emplace(now, session.id);
}

void Ledger::refresh_slot(Account& account, Session& session, UnixMillis now) {
  if (!session.slot_held) return;
  account.slots.erase({session.last_seen_ms, session.id});
  session.last_seen_ms = std::max(session.last_seen_ms, now);
  account.slots.emplace(session.last_seen_ms, session.id);
}

void Ledger::free_slot(Account& account, Session& session) {
  if (!session.slot_held) return;
  account.slots.erase({session.last_seen_ms, session.id});
  session.slot_held = false;
}

// --- money -------------------------------------------------------------------------------

void Ledger::debit(Account& account, MilliCredits amount) {
  // Plan credits go first, then top-up credits; what is left becomes debt, carried on the
  // plan bucket so that topup_credits is never negative.
  const MilliCredits from_plan = std::min(amount, std::max<MilliCredits>(account.plan_mc, 0));
  account.plan_mc -= from_plan;
  amount -= from_plan;
  const MilliCredits from_topup = std::min(amount, account.topup_mc);
  account.topup_mc -= from_topup;
  amount -= from_topup;
  account.plan_mc -= amount;
}

void Ledger::credit_topup(Account& account, MilliCredits amount) {
  // A top-up pays the debt first.
  const MilliCredits to_debt = std::min(amount, std::max<MilliCredits>(-account.plan_mc, 0));
  account.plan_mc += to_debt;
  account.topup_mc += amount - to_debt;
}

// --- protocol ----------------------------------------------------------------------------

nlohmann::json Ledger::timing_json() const {
  return {{"heartbeat_interval_s", ms_as_seconds(timing_.heartbeat_interval_ms)},
          {"offline_grace_s", ms_as_seconds(timing_.offline_grace_ms)},
          {"token_ttl_s", ms_as_seconds(timing_.token_ttl_ms)}};
}

Reply Ledger::exchange_token(const Call& call, UnixMillis now) {
  if (auto refused = check_api_secret(call.api_secret)) return *refused;
  Account& account = *account_by_secret(call.api_secret);

  FieldReader fields(call.body);
  const auto model = fields.text("model", false, 64);
  const auto surface = fields.text("surface", false, 64);
  const auto requested_id = fields.text("session_id", false, 1024);
  if (fields.failed()) return fields.error();
  if (requested_id && !valid_session_id(*requested_id)) {
    return error_reply(400, "INVALID_SESSION_ID", "session_id must be 1-128 characters of [A-Za-z0-9._:-]");
  }

  Session* session = nullptr;
  if (requested_id) {
    const auto existing = sessions_.find(*requested_id);
    if (existing != sessions_.end()) {
      if (existing->second.account_id != account.id) {
        return error_reply(409, "SESSION_ID_CONFLICT", "this session_id belongs to another account");
      }
      // Re-attach: only a new token. Never refused for balance or slots (released
      // sessions included), so that usage can always be delivered.
      session = &existing->second;
    }
  }

  bool created = false;
  if (!session) {
    const std::string model_name = model.value_or("essence");
    const std::string surface_name = surface.value_or("cloud");
    const auto rate = find_rate(model_name, surface_name);
    if (!rate) {
      return error_reply(400, "UNSUPPORTED_MODEL_SURFACE",
                         "no rate for model '" + model_name + "' on surface '" + surface_name + "'");
    }
    if (account.balance() <= 0) {
      return error_reply(402, "INSUFFICIENT_BALANCE", "the balance is exhausted: top up credits",
                         {{"balance", milli_to_credits(account.balance())}});
    }
    expire_slots(account, now);
    if (account.slots.size() >= static_cast<std::size_t>(account.max_concurrent)) {
      return error_reply(403, "CONCURRENCY_LIMIT_REACHED",
                         "the plan allows " + std::to_string(account.max_concurrent) + " concurrent sessions",
                         {{"limit", account.max_concurrent}});
    }
    const std::string id = requested_id.value_or(call.fresh_id);
    if (!valid_session_id(id) || sessions_.count(id)) {
      return error_reply(500, "INTERNAL_ERROR", "could not allocate a session id");
    }
    Session fresh;
    fresh.id = id;
    fresh.account_id = account.id;
    fresh.model = model_name;
    fresh.surface = surface_name;
    fresh.transaction_id = "txn_" + call.fresh_id;
    fresh.rate_mc_per_min = *rate;
    fresh.order = next_session_order_++;
    session = &sessions_.emplace(id, std::move(fresh)).first->second;
    take_slot(account, *session, now);
    created = true;
  }

  std::int64_t expires_at = 0;
  const std::string token = issue_token(*session, now, expires_at);
  nlohmann::json data = {{"token", token},
                         {"transaction_id", session->transaction_id},
                         {"session_id", session->id},
                         {"expires_at", expires_at},
                         {"credits_per_minute", milli_to_credits(session->rate_mc_per_min)},
                         {"balance", milli_to_credits(account.balance())},
                         {"model", session->model},
                         {"surface", session->surface},
                         {"reattached", !created}};
  data.update(timing_json());
  Reply reply = success_reply(data);
  reply.mutated = created;
  return reply;
}

Reply Ledger::report_usage(const Call& call, UnixMillis now, bool is_release) {
  const auto claims = signer_.verify(call.bearer);
  if (!claims) {
    return error_reply(401, "INVALID_TOKEN", "the bearer token is missing or invalid: exchange a new one");
  }
  FieldReader fields(call.body);
  const auto session_id = fields.text("session_id", true, 1024);
  const auto seq = fields.integer("seq", true, 0, kMaxSeq);
  const auto active_ms = fields.integer("active_ms", true, 0, kMaxActiveMsPerCall);
  std::optional<std::string> period_start, period_end;
  if (!is_release) {
    period_start = fields.text("period_start", true, 64);
    period_end = fields.text("period_end", true, 64);
  }
  if (fields.failed()) return fields.error();
  if (!is_release) {
    const auto start = parse_rfc3339(*period_start), end = parse_rfc3339(*period_end);
    if (!start || !end) return error_reply(400, "INVALID_REQUEST", "period_start and period_end must be RFC 3339 timestamps");
    if (*end < *start) return error_reply(400, "INVALID_REQUEST", "period_end is before period_start");
  }
  if (call.idempotency_key.empty()) {
    return error_reply(400, "MISSING_IDEMPOTENCY_KEY", "the Idempotency-Key header is required: <session_id>:<seq>");
  }
  if (call.idempotency_key != *session_id + ":" + std::to_string(*seq)) {
    return error_reply(400, "INVALID_IDEMPOTENCY_KEY", "the Idempotency-Key must be <session_id>:<seq> of the body");
  }
  if (claims->session_id != *session_id) {
    return error_reply(401, "INVALID_TOKEN", "the token belongs to another session: exchange a new one");
  }
  const auto found = sessions_.find(*session_id);
  if (found == sessions_.end() || found->second.account_id != claims->account_id) {
    return error_reply(404, "SESSION_NOT_FOUND", "no such session");
  }
  Session& session = found->second;
  Account& account = accounts_.at(session.account_id);

  // Idempotency comes before the expiry check: a replay is answered even with an expired
  // token (its signature was checked above).
  const std::string request_text = std::string(to_string(call.op)) + " " + call.body.dump();
  for (const auto& record : session.idempotency) {
    if (record.key != call.idempotency_key) continue;
    if (record.request != request_text) {
      return error_reply(422, "IDEMPOTENCY_MISMATCH", "this Idempotency-Key was used with another body");
    }
    ++session.replays;
    Reply replay;
    replay.status = record.status;
    replay.body = record.response;
    replay.mutated = true;  // the replay counter changed
    return replay;
  }
  if (session.idempotency.size() >= kIdempotencyWindow) {
    // Keys are <session>:<seq>; a seq older than everything still remembered may be a
    // replay whose record was dropped. Refusing it is the only answer that cannot bill twice.
    std::int64_t oldest = kMaxSeq;
    for (const auto& record : session.idempotency) {
      const auto colon = record.key.rfind(':');
      oldest = std::min<std::int64_t>(oldest, std::stoll(record.key.substr(colon + 1)));
    }
    if (*seq < oldest) {
      return error_reply(409, "IDEMPOTENCY_KEY_EXPIRED", "this seq is older than the server remembers");
    }
  }
  if (claims->expires * 1000 <= now) {
    return error_reply(401, "TOKEN_EXPIRED", "the token has expired: exchange a new one with the same session_id");
  }
  if (session.active_ms + *active_ms > kMaxTotalActiveMs) {
    return error_reply(400, "INVALID_REQUEST", "active_ms total out of range");
  }

  // Record and charge, whatever the balance or the key's state: the answer below may be an
  // error, but it acknowledges this usage and the client never resends it.
  const MilliCredits balance_before = account.balance();
  session.active_ms += *active_ms;
  const MilliCredits charged_total = charge_for(session.active_ms, session.rate_mc_per_min);
  const MilliCredits charged_now = charged_total - session.charged_mc;
  session.charged_mc = charged_total;
  debit(account, charged_now);
  const MilliCredits balance_after = account.balance();

  expire_slots(account, now);
  if (is_release) {
    session.released = true;
    free_slot(account, session);
  } else {
    ++session.heartbeats;
    if (session.slot_held) {
      refresh_slot(account, session, now);
    } else if (!session.released && account.slots.size() < static_cast<std::size_t>(account.max_concurrent)) {
      // A late heartbeat takes its slot back when one is free; it is never refused.
      take_slot(account, session, std::max(now, session.last_seen_ms));
    }
  }

  const nlohmann::json money = {{"balance", milli_to_credits(balance_after)},
                                {"credits_charged", milli_to_credits(charged_now)},
                                {"session_credits_charged", milli_to_credits(session.charged_mc)},
                                {"session_active_ms", session.active_ms}};
  Reply reply;
  if (account.revoked) {
    reply = error_reply(403, "KEY_REVOKED", "this API secret has been revoked; the usage was recorded", money);
  } else if (!is_release && (balance_before <= 0 || balance_after < 0)) {
    reply = error_reply(402, "INSUFFICIENT_BALANCE", "the balance is exhausted: top up credits; the usage was recorded", money);
  } else {
    nlohmann::json data = money;
    if (!is_release) {
      std::int64_t expires_at = 0;
      data["token"] = issue_token(session, now, expires_at);
      data["expires_at"] = expires_at;
    } else {
      data["released"] = true;
    }
    reply = success_reply(data);
  }

  session.idempotency.push_back({call.idempotency_key, request_text, reply.status, reply.body});
  if (session.idempotency.size() > kIdempotencyWindow) session.idempotency.pop_front();
  return with_mutation(std::move(reply));
}

Reply Ledger::credit_summary(const Call& call, UnixMillis now) {
  if (auto refused = check_api_secret(call.api_secret)) return *refused;
  const Account& account = *account_by_secret(call.api_secret);
  const MilliCredits balance = account.balance();
  nlohmann::json minutes = nlohmann::json::object();
  for (const auto& rate : rate_card()) {
    minutes[rate.model + "_" + rate.surface] = balance <= 0 ? 0 : balance / rate.mc_per_minute;
  }
  const std::int64_t periods = (now - account.created_ms) / kRenewalPeriodMs + 1;
  return success_reply({{"balance", milli_to_credits(balance)},
                        {"plan", account.plan},
                        {"renews_at", format_rfc3339(account.created_ms + periods * kRenewalPeriodMs)},
                        {"plan_credits", milli_to_credits(account.plan_mc)},
                        {"topup_credits", milli_to_credits(account.topup_mc)},
                        {"estimated_minutes", minutes}});
}

// --- admin -------------------------------------------------------------------------------

nlohmann::json Ledger::account_json(const Account& account, UnixMillis now) const {
  std::size_t held = 0;
  for (const auto& slot : account.slots) {
    if (slot.first + timing_.slot_hold_ms() > now) ++held;
  }
  return {{"account_id", account.id},
          {"api_secret", account.api_secret},
          {"plan", account.plan},
          {"balance", milli_to_credits(account.balance())},
          {"plan_credits", milli_to_credits(account.plan_mc)},
          {"topup_credits", milli_to_credits(account.topup_mc)},
          {"max_concurrent", account.max_concurrent},
          {"active_sessions", held},
          {"revoked", account.revoked}};
}

Reply Ledger::create_account(const Call& call, UnixMillis now) {
  FieldReader fields(call.body);
  const auto secret = fields.text("api_secret", true, 256);
  const auto plan_name = fields.text("plan", false, 64);
  const auto balance = fields.credits("balance", false);
  const auto max_concurrent = fields.integer("max_concurrent", false, 0, kMaxConcurrentCap);
  if (fields.failed()) return fields.error();
  if (secret->empty()) return error_reply(400, "INVALID_REQUEST", "field 'api_secret' must not be empty");
  const auto plan = find_plan(plan_name.value_or("free"));
  if (!plan) return error_reply(400, "UNKNOWN_PLAN", "plan must be one of free, creator, pro");
  if (secret_index_.count(*secret)) return error_reply(409, "ACCOUNT_EXISTS", "an account with this api_secret exists");

  Account account;
  account.id = "acct_" + std::to_string(next_account_++);
  account.api_secret = *secret;
  account.plan = plan->name;
  account.plan_mc = balance.value_or(plan->credits_mc);
  account.max_concurrent = static_cast<int>(max_concurrent.value_or(plan->max_concurrent));
  account.created_ms = now;
  secret_index_[*secret] = account.id;
  const auto& stored = accounts_.emplace(account.id, std::move(account)).first->second;
  return with_mutation(success_reply(account_json(stored, now), 201));
}

Reply Ledger::topup(const Call& call) {
  FieldReader fields(call.body);
  const auto secret = fields.text("api_secret", true, 256);
  const auto credits = fields.credits("credits", true);
  if (fields.failed()) return fields.error();
  if (*credits < 0) return error_reply(400, "INVALID_REQUEST", "field 'credits' must not be negative");
  Account* account = account_by_secret(*secret);
  if (!account) return error_reply(404, "ACCOUNT_NOT_FOUND", "no account with this api_secret");
  credit_topup(*account, *credits);
  return with_mutation(success_reply({{"balance", milli_to_credits(account->balance())},
                                      {"plan_credits", milli_to_credits(account->plan_mc)},
                                      {"topup_credits", milli_to_credits(account->topup_mc)}}));
}

Reply Ledger::revoke(const Call& call) {
  FieldReader fields(call.body);
  const auto secret = fields.text("api_secret", true, 256);
  if (fields.failed()) return fields.error();
  Account* account = account_by_secret(*secret);
  if (!account) return error_reply(404, "ACCOUNT_NOT_FOUND", "no account with this api_secret");
  account->revoked = true;
  return with_mutation(success_reply({{"revoked", true}}));
}

Reply Ledger::configure(const Call& call) {
  FieldReader fields(call.body);
  const double kMaxSeconds = 366.0 * 24 * 3600;
  const auto interval = fields.seconds_as_ms("heartbeat_interval_s", false, 0.001, kMaxSeconds);
  const auto grace = fields.seconds_as_ms("offline_grace_s", false, 0.0, kMaxSeconds);
  const auto ttl = fields.seconds_as_ms("token_ttl_s", false, 0.001, kMaxSeconds);
  if (fields.failed()) return fields.error();
  if (interval) timing_.heartbeat_interval_ms = std::max<std::int64_t>(*interval, 1);
  if (grace) timing_.offline_grace_ms = *grace;
  if (ttl) timing_.token_ttl_ms = std::max<std::int64_t>(*ttl, 1);
  Reply reply = success_reply(timing_json());
  reply.mutated = interval || grace || ttl;
  return reply;
}

nlohmann::json Ledger::session_row(const Session& session) const {
  return {{"session_id", session.id},
          {"active_ms", session.active_ms},
          {"credits_charged", milli_to_credits(session.charged_mc)},
          {"heartbeats", session.heartbeats},
          {"replays", session.replays},
          {"released", session.released},
          {"account_id", session.account_id},
          {"model", session.model},
          {"surface", session.surface},
          {"slot_held", session.slot_held}};
}

Reply Ledger::ledger_listing(const Call& call) const {
  // Optional filter ?session_id= so that tests need not fetch thousands of rows.
  const auto filter = call.body.find("session_id");
  nlohmann::json rows = nlohmann::json::array();
  if (filter != call.body.end() && filter->is_string()) {
    const auto found = sessions_.find(filter->get<std::string>());
    if (found != sessions_.end()) rows.push_back(session_row(found->second));
  } else {
    std::vector<const Session*> ordered;
    ordered.reserve(sessions_.size());
    for (const auto& entry : sessions_) ordered.push_back(&entry.second);
    std::sort(ordered.begin(), ordered.end(), [](const Session* a, const Session* b) { return a->order < b->order; });
    for (const auto* session : ordered) rows.push_back(session_row(*session));
  }
  // The admin answers use the same envelope; the ledger's rows also sit at the top level
  // so that `{"sessions":[...]}` reads exactly as documented.
  Reply reply = success_reply({{"sessions", rows}});
  auto envelope = nlohmann::json::parse(reply.body);
  envelope["sessions"] = rows;
  reply.body = envelope.dump();
  return reply;
}

Reply Ledger::account_details(const Call& call, UnixMillis now) {
  FieldReader fields(call.body);
  const auto secret = fields.text("api_secret", true, 256);
  if (fields.failed()) return fields.error();
  Account* account = account_by_secret(*secret);
  if (!account) return error_reply(404, "ACCOUNT_NOT_FOUND", "no account with this api_secret");
  return success_reply(account_json(*account, now));
}

// --- persistence -------------------------------------------------------------------------

nlohmann::json Ledger::to_json() const {
  nlohmann::json accounts = nlohmann::json::array();
  for (const auto& [id, a] : accounts_) {
    accounts.push_back({{"id", a.id}, {"api_secret", a.api_secret}, {"plan", a.plan},
                        {"plan_mc", a.plan_mc}, {"topup_mc", a.topup_mc},
                        {"max_concurrent", a.max_concurrent}, {"revoked", a.revoked},
                        {"created_ms", a.created_ms}});
  }
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& [id, s] : sessions_) {
    nlohmann::json records = nlohmann::json::array();
    for (const auto& r : s.idempotency) {
      records.push_back({{"key", r.key}, {"request", r.request}, {"status", r.status}, {"response", r.response}});
    }
    sessions.push_back({{"id", s.id}, {"account_id", s.account_id}, {"model", s.model},
                        {"surface", s.surface}, {"transaction_id", s.transaction_id},
                        {"rate_mc_per_min", s.rate_mc_per_min}, {"active_ms", s.active_ms},
                        {"charged_mc", s.charged_mc}, {"heartbeats", s.heartbeats},
                        {"replays", s.replays}, {"released", s.released},
                        {"slot_held", s.slot_held}, {"last_seen_ms", s.last_seen_ms},
                        {"order", s.order}, {"idempotency", records}});
  }
  return {{"format", "creditmeter-emulator-ledger/1"},
          {"signing_key", base64url_encode(signer_.key())},
          {"timing", {{"heartbeat_interval_ms", timing_.heartbeat_interval_ms},
                      {"offline_grace_ms", timing_.offline_grace_ms},
                      {"token_ttl_ms", timing_.token_ttl_ms}}},
          {"next_account", next_account_},
          {"next_session_order", next_session_order_},
          {"accounts", accounts},
          {"sessions", sessions}};
}

Ledger Ledger::from_json(const nlohmann::json& snapshot) {
  if (!snapshot.is_object() || snapshot.value("format", "") != "creditmeter-emulator-ledger/1") {
    throw std::runtime_error("not a creditmeter-emulator ledger snapshot");
  }
  try {
    const auto key = base64url_decode(snapshot.at("signing_key").get<std::string>());
    if (!key) throw std::runtime_error("bad signing key");
    Ledger ledger(*key);
    const auto& timing = snapshot.at("timing");
    ledger.timing_.heartbeat_interval_ms = timing.at("heartbeat_interval_ms").get<std::int64_t>();
    ledger.timing_.offline_grace_ms = timing.at("offline_grace_ms").get<std::int64_t>();
    ledger.timing_.token_ttl_ms = timing.at("token_ttl_ms").get<std::int64_t>();
    ledger.next_account_ = snapshot.at("next_account").get<std::uint64_t>();
    ledger.next_session_order_ = snapshot.at("next_session_order").get<std::uint64_t>();
    for (const auto& j : snapshot.at("accounts")) {
      Account a;
      a.id = j.at("id").get<std::string>();
      a.api_secret = j.at("api_secret").get<std::string>();
      a.plan = j.at("plan").get<std::string>();
      a.plan_mc = j.at("plan_mc").get<MilliCredits>();
      a.topup_mc = j.at("topup_mc").get<MilliCredits>();
      a.max_concurrent = j.at("max_concurrent").get<int>();
      a.revoked = j.at("revoked").get<bool>();
      a.created_ms = j.at("created_ms").get<UnixMillis>();
      ledger.secret_index_[a.api_secret] = a.id;
      ledger.accounts_.emplace(a.id, std::move(a));
    }
    for (const auto& j : snapshot.at("sessions")) {
      Session s;
      s.id = j.at("id").get<std::string>();
      s.account_id = j.at("account_id").get<std::string>();
      s.model = j.at("model").get<std::string>();
      s.surface = j.at("surface").get<std::string>();
      s.transaction_id = j.at("transaction_id").get<std::string>();
      s.rate_mc_per_min = j.at("rate_mc_per_min").get<MilliCredits>();
      s.active_ms = j.at("active_ms").get<std::int64_t>();
      s.charged_mc = j.at("charged_mc").get<MilliCredits>();
      s.heartbeats = j.at("heartbeats").get<std::uint64_t>();
      s.replays = j.at("replays").get<std::uint64_t>();
      s.released = j.at("released").get<bool>();
      s.slot_held = j.at("slot_held").get<bool>();
      s.last_seen_ms = j.at("last_seen_ms").get<UnixMillis>();
      s.order = j.at("order").get<std::uint64_t>();
      for (const auto& r : j.at("idempotency")) {
        s.idempotency.push_back({r.at("key").get<std::string>(), r.at("request").get<std::string>(),
                                 r.at("status").get<int>(), r.at("response").get<std::string>()});
      }
      if (s.slot_held) ledger.accounts_.at(s.account_id).slots.emplace(s.last_seen_ms, s.id);
      ledger.sessions_.emplace(s.id, std::move(s));
    }
    return ledger;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("corrupt ledger snapshot: ") + e.what());
  } catch (const std::out_of_range& e) {
    throw std::runtime_error(std::string("corrupt ledger snapshot: ") + e.what());
  }
}

}  // namespace creditmeter::emulator

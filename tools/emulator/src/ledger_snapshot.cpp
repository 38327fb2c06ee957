#include "ledger_snapshot.hpp"

#include <stdexcept>
#include <string>

namespace creditmeter::emulator {
namespace {

// /2 added the price list, the charged usage events, the accounts' unit and the sessions'
// event charges. A /1 snapshot is still read: its accounts are in credits, its prices the
// seed defaults, and it has no events.
constexpr const char* kFormat = "creditmeter-emulator-ledger/2";
constexpr const char* kFormatV1 = "creditmeter-emulator-ledger/1";

nlohmann::json account_snapshot(const Account& a) {
  return {{"id", a.id},           {"api_secret", a.api_secret},         {"plan", a.plan},
          {"plan_mc", a.plan_mc}, {"topup_mc", a.topup_mc},             {"max_concurrent", a.max_concurrent},
          {"revoked", a.revoked}, {"created_ms", a.created_ms},         {"unit", a.unit}};
}

Account account_from_snapshot(const nlohmann::json& j) {
  Account a;
  a.id = j.at("id").get<std::string>();
  a.api_secret = j.at("api_secret").get<std::string>();
  a.plan = j.at("plan").get<std::string>();
  a.plan_mc = j.at("plan_mc").get<MilliCredits>();
  a.topup_mc = j.at("topup_mc").get<MilliCredits>();
  a.max_concurrent = j.at("max_concurrent").get<int>();
  a.revoked = j.at("revoked").get<bool>();
  a.created_ms = j.at("created_ms").get<UnixMillis>();
  a.unit = j.value("unit", std::string("credits"));  // absent in /1
  return a;
}

nlohmann::json session_snapshot(const Session& s) {
  nlohmann::json records = nlohmann::json::array();
  for (const auto& r : s.idempotency.records()) {
    records.push_back({{"key", r.key}, {"request", r.request}, {"status", r.status}, {"response", r.response}});
  }
  return {{"id", s.id},
          {"account_id", s.account_id},
          {"model", s.model},
          {"surface", s.surface},
          {"transaction_id", s.transaction_id},
          {"rate_mc_per_min", s.rate_mc_per_min},
          {"active_ms", s.active_ms},
          {"charged_mc", s.charged_mc},
          {"events_charged", s.events_charged},
          {"event_charged_mc", s.event_charged_mc},
          {"heartbeats", s.heartbeats},
          {"replays", s.replays},
          {"released", s.released},
          {"slot_held", s.slot.held},
          {"last_seen_ms", s.slot.last_seen_ms},
          {"order", s.order},
          {"idempotency", records}};
}

Session session_from_snapshot(const nlohmann::json& j) {
  Session s;
  s.id = j.at("id").get<std::string>();
  s.account_id = j.at("account_id").get<std::string>();
  s.model = j.at("model").get<std::string>();
  s.surface = j.at("surface").get<std::string>();
  s.transaction_id = j.at("transaction_id").get<std::string>();
  s.rate_mc_per_min = j.at("rate_mc_per_min").get<MilliCredits>();
  s.active_ms = j.at("active_ms").get<std::int64_t>();
  s.charged_mc = j.at("charged_mc").get<MilliCredits>();
  s.events_charged = j.value("events_charged", std::uint64_t{0});  // absent in /1
  s.event_charged_mc = j.value("event_charged_mc", MilliCredits{0});
  s.heartbeats = j.at("heartbeats").get<std::uint64_t>();
  s.replays = j.at("replays").get<std::uint64_t>();
  s.released = j.at("released").get<bool>();
  s.slot.held = j.at("slot_held").get<bool>();
  s.slot.last_seen_ms = j.at("last_seen_ms").get<UnixMillis>();
  s.order = j.at("order").get<std::uint64_t>();
  for (const auto& r : j.at("idempotency")) {
    s.idempotency.remember({r.at("key").get<std::string>(), r.at("request").get<std::string>(),
                            r.at("status").get<int>(), r.at("response").get<std::string>()});
  }
  return s;
}

LedgerState read_snapshot(const nlohmann::json& snapshot) {
  const auto key = base64url_decode(snapshot.at("signing_key").get<std::string>());
  if (!key) throw std::runtime_error("bad signing key");
  LedgerState state(*key);
  const auto& timing = snapshot.at("timing");
  state.timing.heartbeat_interval_ms = timing.at("heartbeat_interval_ms").get<std::int64_t>();
  state.timing.offline_grace_ms = timing.at("offline_grace_ms").get<std::int64_t>();
  state.timing.token_ttl_ms = timing.at("token_ttl_ms").get<std::int64_t>();
  state.accounts.set_next_number(snapshot.at("next_account").get<std::uint64_t>());
  state.sessions.set_next_order(snapshot.at("next_session_order").get<std::uint64_t>());
  for (const auto& j : snapshot.at("accounts")) state.accounts.restore(account_from_snapshot(j));
  for (const auto& j : snapshot.at("sessions")) {
    const Session& s = state.sessions.restore(session_from_snapshot(j));
    if (s.slot.held) state.accounts.at(s.account_id).slots.restore(s.id, s.slot);
  }
  if (snapshot.value("format", "") == kFormat) {
    state.prices = PriceList::from_snapshot(snapshot.at("prices"));
    state.events = EventLedger::from_snapshot(snapshot.at("events"));
  }
  return state;
}

}  // namespace

nlohmann::json snapshot_of(const LedgerState& state) {
  nlohmann::json accounts = nlohmann::json::array();
  for (const auto& entry : state.accounts.all()) accounts.push_back(account_snapshot(entry.second));
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& entry : state.sessions.all()) sessions.push_back(session_snapshot(entry.second));
  return {{"format", kFormat},
          {"signing_key", base64url_encode(state.signer.key())},
          {"timing", {{"heartbeat_interval_ms", state.timing.heartbeat_interval_ms},
                      {"offline_grace_ms", state.timing.offline_grace_ms},
                      {"token_ttl_ms", state.timing.token_ttl_ms}}},
          {"next_account", state.accounts.next_number()},
          {"next_session_order", state.sessions.next_order()},
          {"accounts", accounts},
          {"sessions", sessions},
          {"prices", state.prices.to_snapshot()},
          {"events", state.events.to_snapshot()}};
}

LedgerState state_from_snapshot(const nlohmann::json& snapshot) {
  const std::string format = snapshot.is_object() ? snapshot.value("format", "") : "";
  if (format != kFormat && format != kFormatV1) {
    throw std::runtime_error("not a creditmeter-emulator ledger snapshot");
  }
  try {
    return read_snapshot(snapshot);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("corrupt ledger snapshot: ") + e.what());
  } catch (const std::out_of_range& e) {
    throw std::runtime_error(std::string("corrupt ledger snapshot: ") + e.what());
  }
}

}  // namespace creditmeter::emulator

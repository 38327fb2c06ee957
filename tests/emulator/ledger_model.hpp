// A Ledger driven the way the HTTP layer drives it, for the unit tests of the model's
// handlers: builds Calls, passes the time in, and returns each answer's envelope with its
// status under "_status". No sockets, no threads, no sleeps: time moves by `now += ms`.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "ledger.hpp"

namespace creditmeter::emulator::testing {

constexpr UnixMillis kT0 = 1'800'000'000'000;  // a fixed "now"

struct Model {
  Ledger ledger{"unit-test-key"};
  UnixMillis now = kT0;
  int next_id = 0;

  nlohmann::json call(Op op, nlohmann::json body = nlohmann::json::object(), const std::string& secret = "",
                      const std::string& bearer = "", const std::string& key = "", Reply* raw = nullptr) {
    Call c;
    c.op = op;
    c.api_secret = secret;
    c.bearer = bearer;
    c.idempotency_key = key;
    c.body = std::move(body);
    c.fresh_id = "00000000-0000-4000-8000-" + std::to_string(100000000000 + next_id++);
    const Reply reply = ledger.handle(c, now);
    if (raw) *raw = reply;
    auto parsed = nlohmann::json::parse(reply.body);
    parsed["_status"] = reply.status;
    return parsed;
  }

  void account(const std::string& secret, const std::string& plan, nlohmann::json balance,
               std::optional<int> max = {}) {
    nlohmann::json body = {{"api_secret", secret}, {"plan", plan}, {"balance", balance}};
    if (max) body["max_concurrent"] = *max;
    REQUIRE(call(Op::kCreateAccount, body)["_status"] == 201);
  }

  nlohmann::json exchange(const std::string& secret, nlohmann::json body = nlohmann::json::object()) {
    return call(Op::kExchangeToken, std::move(body), secret);
  }

  // Starts a session and returns {id, token}.
  std::pair<std::string, std::string> start(const std::string& secret, nlohmann::json body = nlohmann::json::object()) {
    const auto answer = exchange(secret, std::move(body));
    REQUIRE(answer["_status"] == 200);
    return {answer["data"]["session_id"], answer["data"]["token"]};
  }

  // A heartbeat (with a fixed period) or release of `active_ms`; the key defaults to the
  // protocol's <session_id>:<seq>.
  nlohmann::json usage(Op op, const std::string& token, const std::string& sid, std::int64_t seq,
                       std::int64_t active_ms, std::optional<std::string> key = {}) {
    nlohmann::json body = {{"session_id", sid}, {"seq", seq}, {"active_ms", active_ms}};
    if (op == Op::kHeartbeat) {
      body["period_start"] = "2026-01-01T00:00:00.000Z";
      body["period_end"] = "2026-01-01T00:00:10.000Z";
    }
    return call(op, body, "", token, key.value_or(sid + ":" + std::to_string(seq)));
  }

  // One usage event of a batch, with a fixed `at`.
  static nlohmann::json event(const std::string& id, const std::string& action, nlohmann::json quantity = 1) {
    return {{"event_id", id}, {"action", action}, {"quantity", quantity}, {"at", "2026-01-01T00:00:00.000Z"}};
  }

  // POST /v1/usage-events of `events` for the session (one event alone: a batch of one).
  nlohmann::json events(const std::string& token, const std::string& sid, const nlohmann::json& events) {
    const nlohmann::json list = events.is_array() ? events : nlohmann::json::array({events});
    return call(Op::kUsageEvents, {{"session_id", sid}, {"events", list}}, "", token);
  }

  nlohmann::json row(const std::string& sid) {
    const auto rows = call(Op::kLedger, {{"session_id", sid}})["sessions"];
    return rows.empty() ? nlohmann::json() : rows[0];
  }

  nlohmann::json account_details(const std::string& secret) {
    return call(Op::kAccount, {{"api_secret", secret}})["data"];
  }

  nlohmann::json balance(const std::string& secret) { return account_details(secret)["balance"]; }
};

}  // namespace creditmeter::emulator::testing

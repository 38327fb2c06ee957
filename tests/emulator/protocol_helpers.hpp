// Speaking the protocol directly, for the emulator's HTTP tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "emulator_process.hpp"

namespace creditmeter::testing {

struct WireSession {
  std::string id;
  std::string token;
  std::int64_t seq = 0;
};

inline HttpResponse exchange(const EmulatorProcess& emulator, const std::string& secret,
                             const nlohmann::json& body = nlohmann::json::object()) {
  return http_request("POST", emulator.base_url() + "/v1/runtime-tokens/request", {{"api-secret", secret}}, body.dump());
}

// Exchanges and returns the session, failing the test if the exchange did not succeed.
inline WireSession start_session(const EmulatorProcess& emulator, const std::string& secret,
                                 const nlohmann::json& body = nlohmann::json::object()) {
  const auto response = exchange(emulator, secret, body);
  if (!response.ok()) throw std::runtime_error("token exchange failed: " + response.body + response.error);
  const auto data = response.json()["data"];
  return WireSession{data["session_id"].get<std::string>(), data["token"].get<std::string>(), 0};
}

inline nlohmann::json usage_body(const std::string& session_id, std::int64_t seq, std::int64_t active_ms,
                                 bool with_period = true) {
  nlohmann::json body = {{"session_id", session_id}, {"seq", seq}, {"active_ms", active_ms}};
  if (with_period) {
    body["period_start"] = "2026-01-01T00:00:00.000Z";
    body["period_end"] = "2026-01-01T00:01:00.000Z";
  }
  return body;
}

// POST /v1/runtime-tokens/<kind> ("heartbeat" or "release") with a ready body; the
// Idempotency-Key is derived from the body unless `key` is given.
inline HttpResponse post_usage(const EmulatorProcess& emulator, const std::string& kind, const std::string& token,
                               const nlohmann::json& body, std::optional<std::string> key = std::nullopt,
                               std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const std::string idempotency_key =
      key ? *key : body["session_id"].get<std::string>() + ":" + std::to_string(body["seq"].get<std::int64_t>());
  return http_request("POST", emulator.base_url() + "/v1/runtime-tokens/" + kind,
                      {{"Authorization", "Bearer " + token}, {"Idempotency-Key", idempotency_key}}, body.dump(),
                      timeout);
}

// Next heartbeat of `session` (seq incremented), adopting the fresh token of a 2xx.
inline HttpResponse heartbeat(const EmulatorProcess& emulator, WireSession& session, std::int64_t active_ms) {
  const auto response = post_usage(emulator, "heartbeat", session.token, usage_body(session.id, ++session.seq, active_ms));
  if (response.ok()) session.token = response.json()["data"]["token"].get<std::string>();
  return response;
}

inline HttpResponse release(const EmulatorProcess& emulator, WireSession& session, std::int64_t active_ms) {
  return post_usage(emulator, "release", session.token, usage_body(session.id, ++session.seq, active_ms, false));
}

// One usage event with a fixed `at`.
inline nlohmann::json usage_event(const std::string& event_id, const std::string& action,
                                  nlohmann::json quantity = 1) {
  return {{"event_id", event_id}, {"action", action}, {"quantity", quantity}, {"at", "2026-01-01T00:00:00.000Z"}};
}

// POST /v1/usage-events {session_id, events} with the session's token. One event alone is
// sent as a batch of one: `{usage_event(...)}` binds the event itself, not an array of it.
inline HttpResponse post_events(const EmulatorProcess& emulator, const WireSession& session,
                                const nlohmann::json& events,
                                std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const nlohmann::json list = events.is_array() ? events : nlohmann::json::array({events});
  const nlohmann::json body = {{"session_id", session.id}, {"events", list}};
  return http_request("POST", emulator.base_url() + "/v1/usage-events", {{"Authorization", "Bearer " + session.token}},
                      body.dump(), timeout);
}

inline HttpResponse credit_summary(const EmulatorProcess& emulator, const std::string& secret) {
  return http_request("GET", emulator.base_url() + "/v2/credit-summaries", {{"api-secret", secret}});
}

}  // namespace creditmeter::testing

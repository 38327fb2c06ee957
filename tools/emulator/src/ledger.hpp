// The emulator's pure model: the server's side of every call of the protocol and the admin
// API (docs/PROTOCOL.md, docs/EMULATOR.md).
//
// No sockets, threads or clocks in here: each call takes a parsed request (`Call`) and the
// current time, and returns the status and envelope to answer. That makes every rule of the
// protocol unit-testable directly, and makes the model deterministic, which the state store
// relies on: replaying the logged calls of a run rebuilds exactly the same state.
//
// The Ledger only dispatches; the rules live one concept a file: token_exchange,
// usage_reporting (with billing, idempotency and slots), usage_events (with prices and the
// event ledger), credit_summary, admin, timing, and ledger_snapshot for --state.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "call.hpp"
#include "ledger_state.hpp"
#include "reply.hpp"
#include "time_format.hpp"
#include "timing.hpp"

namespace creditmeter::emulator {

class Ledger {
 public:
  explicit Ledger(std::string signing_key);

  Reply handle(const Call& call, UnixMillis now);

  // The api-secret check the shell runs *before* reading the body: the 401/403 to answer,
  // or nullopt when the secret belongs to a live account.
  std::optional<Reply> check_api_secret(const std::string& secret) const;

  const Timing& timing() const { return state_.timing; }
  const std::string& signing_key() const { return state_.signer.key(); }

  nlohmann::json to_json() const;
  // Throws std::runtime_error when the snapshot is not one this version wrote.
  static Ledger from_json(const nlohmann::json& snapshot);

 private:
  explicit Ledger(LedgerState state) : state_(std::move(state)) {}

  LedgerState state_;
};

}  // namespace creditmeter::emulator

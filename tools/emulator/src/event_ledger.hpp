// The ledger of charged usage events: each event_id charged once, ever (docs/PROTOCOL.md,
// "Usage events"). Kept for the life of the state (--state persists it), so a batch resent
// after a lost acknowledgement, a token expiry or a client's crash finds its events here
// and is answered with their original charges instead of being charged again.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "money.hpp"

namespace creditmeter::emulator {

struct ChargedEvent {
  std::string event_id;
  std::string session_id;
  std::string action;
  std::int64_t quantity_milli = 0;
  MilliCredits charged_mc = 0;  // in the account's milli-units
};

class EventLedger {
 public:
  // The event charged under `event_id`, or nullptr when it never was.
  const ChargedEvent* find(const std::string& event_id) const;
  // Records a newly charged event (its id must be new).
  void add(ChargedEvent event);

  // GET /admin/ledger's "events": [{event_id, session_id, action, quantity, credits_charged}]
  // in the order they were charged; only `session_id`'s when it is not empty.
  nlohmann::json listing(const std::string& session_id = "") const;

  nlohmann::json to_snapshot() const;
  static EventLedger from_snapshot(const nlohmann::json& snapshot);

  std::size_t size() const { return in_order_.size(); }

 private:
  std::vector<ChargedEvent> in_order_;
  std::unordered_map<std::string, std::size_t> index_of_;  // event_id -> position in in_order_
};

}  // namespace creditmeter::emulator

#include "event_ledger.hpp"

#include <utility>

namespace creditmeter::emulator {

const ChargedEvent* EventLedger::find(const std::string& event_id) const {
  const auto found = index_of_.find(event_id);
  return found == index_of_.end() ? nullptr : &in_order_[found->second];
}

void EventLedger::add(ChargedEvent event) {
  index_of_.emplace(event.event_id, in_order_.size());
  in_order_.push_back(std::move(event));
}

nlohmann::json EventLedger::listing(const std::string& session_id) const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& event : in_order_) {
    if (!session_id.empty() && event.session_id != session_id) continue;
    rows.push_back({{"event_id", event.event_id},
                    {"session_id", event.session_id},
                    {"action", event.action},
                    {"quantity", milli_to_credits(event.quantity_milli)},
                    {"credits_charged", milli_to_credits(event.charged_mc)}});
  }
  return rows;
}

nlohmann::json EventLedger::to_snapshot() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& event : in_order_) {
    rows.push_back({{"event_id", event.event_id},
                    {"session_id", event.session_id},
                    {"action", event.action},
                    {"quantity_milli", event.quantity_milli},
                    {"charged_mc", event.charged_mc}});
  }
  return rows;
}

EventLedger EventLedger::from_snapshot(const nlohmann::json& snapshot) {
  EventLedger ledger;
  for (const auto& row : snapshot) {
    ledger.add({row.at("event_id").get<std::string>(), row.at("session_id").get<std::string>(),
                row.at("action").get<std::string>(), row.at("quantity_milli").get<std::int64_t>(),
                row.at("charged_mc").get<MilliCredits>()});
  }
  return ledger;
}

}  // namespace creditmeter::emulator

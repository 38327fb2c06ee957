#include "sessions.hpp"

#include <algorithm>
#include <utility>

namespace creditmeter::emulator {

nlohmann::json ledger_row(const Session& session) {
  return {{"session_id", session.id},
          {"active_ms", session.active_ms},
          {"credits_charged", milli_to_credits(session.charged_mc + session.event_charged_mc)},
          {"heartbeats", session.heartbeats},
          {"replays", session.replays},
          {"released", session.released},
          {"account_id", session.account_id},
          {"model", session.model},
          {"surface", session.surface},
          {"slot_held", session.slot.held},
          {"time_credits_charged", milli_to_credits(session.charged_mc)},
          {"event_credits_charged", milli_to_credits(session.event_charged_mc)},
          {"events_charged", session.events_charged}};
}

Session* Sessions::find(const std::string& id) {
  const auto found = by_id_.find(id);
  return found == by_id_.end() ? nullptr : &found->second;
}

const Session* Sessions::find(const std::string& id) const {
  const auto found = by_id_.find(id);
  return found == by_id_.end() ? nullptr : &found->second;
}

Session& Sessions::create(Session session) {
  session.order = next_order_++;
  return restore(std::move(session));
}

Session& Sessions::restore(Session session) {
  const std::string id = session.id;
  return by_id_.emplace(id, std::move(session)).first->second;
}

std::vector<const Session*> Sessions::in_creation_order() const {
  std::vector<const Session*> ordered;
  ordered.reserve(by_id_.size());
  for (const auto& entry : by_id_) ordered.push_back(&entry.second);
  std::sort(ordered.begin(), ordered.end(), [](const Session* a, const Session* b) { return a->order < b->order; });
  return ordered;
}

}  // namespace creditmeter::emulator

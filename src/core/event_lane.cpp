#include "core/event_lane.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace creditmeter {
namespace core {

std::int64_t event_charge_milli(std::int64_t quantity_milli, std::int64_t price_micro) {
  if (quantity_milli <= 0 || price_micro <= 0) return 0;
  if (quantity_milli <= std::numeric_limits<std::int64_t>::max() / price_micro) {
    return quantity_milli * price_micro / 1000000;  // exact: integers, floored
  }
  // Beyond 2^63 (a huge quantity at a huge price): only a projection, a double is enough.
  return static_cast<std::int64_t>(std::min(9.0e18, std::floor(static_cast<double>(quantity_milli) *
                                                               static_cast<double>(price_micro) / 1e6)));
}

void EventLane::set_prices(std::map<std::string, std::int64_t> prices_micro) {
  prices_ = std::move(prices_micro);
  pending_milli_ = 0;
  for (auto& e : events_) {
    e.charge_milli = charge_of(e.event);
    pending_milli_ += e.charge_milli;
  }
}

std::int64_t EventLane::charge_of(const UsageEvent& e) const {
  auto it = prices_.find(e.action);
  return it == prices_.end() ? 0 : event_charge_milli(e.quantity_milli, it->second);
}

void EventLane::record(UsageEvent event, TimePoint now, bool journaled) {
  const std::int64_t charge = charge_of(event);
  pending_milli_ += charge;
  events_.push_back(Entry{std::move(event), now, charge});
  if (journaled) journaled_ = events_.size();
  ++recorded_;
}

std::vector<UsageEvent> EventLane::take_unjournaled() {
  std::vector<UsageEvent> out;
  for (std::size_t i = journaled_; i < events_.size(); ++i) out.push_back(events_[i].event);
  journaled_ = events_.size();
  return out;
}

std::vector<UsageEvent> EventLane::unsettled() const {
  std::vector<UsageEvent> out;
  out.reserve(events_.size());
  for (const auto& e : events_) out.push_back(e.event);
  return out;
}

void EventLane::hurry_all_recorded() {
  hurry_until_ = std::max(hurry_until_, recorded_);
  retry_.hurry();
}

void EventLane::hurry_forever() {
  hurry_until_ = std::numeric_limits<std::uint64_t>::max();
  retry_.hurry();
}

std::optional<Outgoing> EventLane::next_batch(TimePoint now, const std::string& session_id) {
  if (on_wire_) return std::nullopt;
  if (batch_ > 0) {
    if (!retry_.ready(now)) return std::nullopt;
    on_wire_ = true;
    return batch_request_;
  }
  if (events_.empty()) return std::nullopt;
  const bool due = urgent() || events_.size() >= kMaxEventBatch || now >= events_.front().recorded_at + batch_delay_;
  if (!due) return std::nullopt;
  // Only journaled events go out: the machine journals them in the same step, before.
  batch_ = std::min({events_.size(), journaled_, kMaxEventBatch});
  if (batch_ == 0) return std::nullopt;
  std::vector<const UsageEvent*> batch;
  batch.reserve(batch_);
  for (std::size_t i = 0; i < batch_; ++i) batch.push_back(&events_[i].event);
  batch_request_ = Outgoing{};
  batch_request_.kind = Outgoing::Kind::events;
  batch_request_.seq = ++batch_seq_;
  batch_request_.body = events_body(session_id, batch);
  retry_ = RetryTimer::ready_at(now);
  on_wire_ = true;
  return batch_request_;
}

TimePoint EventLane::next_wakeup() const {
  if (on_wire_) return TimePoint::max();
  if (batch_ > 0) return retry_.at;
  TimePoint t = TimePoint::max();
  if (journaled_ < events_.size()) t = events_[journaled_].recorded_at + kEventJournalDelay;
  if (events_.empty()) return t;
  if (urgent() || events_.size() >= kMaxEventBatch) return TimePoint::min();
  return std::min(t, events_.front().recorded_at + batch_delay_);
}

EventSettlement EventLane::settle(const EventsAck* ack) {
  EventSettlement out;
  std::unordered_map<std::string, const EventRejection*> rejected;
  if (ack != nullptr) {
    for (const auto& r : ack->rejected) rejected.emplace(r.event_id, &r);
    if (ack->has_balance) out.balance = ack->balance;
    if (!ack->has_charges) out.charged = ack->credits_charged;  // an older server: the batch's total
  }
  for (std::size_t i = 0; i < batch_; ++i) {
    Entry& e = events_.front();
    auto r = rejected.find(e.event.event_id);
    if (r != rejected.end()) {
      out.rejected.emplace_back(e.event, *r->second);
      ++rejected_;
    } else {
      if (ack != nullptr && ack->has_charges) {
        auto c = ack->charges.find(e.event.event_id);
        if (c != ack->charges.end()) out.charged += c->second;
      }
      ++acknowledged_;
      ++out.acknowledged;
    }
    out.settled_ids.push_back(std::move(e.event.event_id));
    pending_milli_ -= e.charge_milli;
    events_.pop_front();
  }
  settled_ += batch_;
  journaled_ -= std::min(journaled_, batch_);
  batch_ = 0;
  on_wire_ = false;
  return out;
}

}  // namespace core
}  // namespace creditmeter

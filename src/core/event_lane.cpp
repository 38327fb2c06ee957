#include "core/event_lane.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace creditmeter {
namespace core {

std::int64_t event_charge_milli(std::int64_t quantity_milli, std::int64_t price_micro) {
  if (quantity_milli <= 0 || price_micro <= 0) return 0;
  // The overflow test without a division (a 64-bit division by a variable was a tenth of
  // record()'s lane time; bench_events).
  std::int64_t product;
  if (!__builtin_mul_overflow(quantity_milli, price_micro, &product)) {
    return product / 1000000;  // exact: integers, floored
  }
  // Beyond 2^63 (a huge quantity at a huge price): only a projection, a double is enough.
  return static_cast<std::int64_t>(std::min(9.0e18, std::floor(static_cast<double>(quantity_milli) *
                                                               static_cast<double>(price_micro) / 1e6)));
}

namespace {
// Interned action names are forgotten when the lane is idle and holds more than this many: an
// engine uses a handful; an app that names every event differently must not grow the table
// for the session's lifetime.
constexpr std::size_t kMaxIdleActions = 256;
// An idle lane keeps storage for this many events (5 MiB): a backlog left by an outage is
// given back, a steady engine's is reused.
constexpr std::size_t kMaxIdleCapacity = 65536;
}  // namespace

void EventLane::set_prices(std::map<std::string, std::int64_t> prices_micro) {
  prices_ = std::move(prices_micro);
  for (auto& a : actions_) a.price_micro = price_of(a.name);
  pending_milli_ = 0;
  for (std::size_t i = 0; i < size(); ++i) {
    Entry& e = at(i);
    e.charge_milli = event_charge_milli(e.quantity_milli, actions_[e.action].price_micro);
    pending_milli_ += e.charge_milli;
  }
}

std::int64_t EventLane::price_of(const std::string& action) const {
  auto it = prices_.find(action);
  return it == prices_.end() ? 0 : it->second;
}

std::uint32_t EventLane::intern(std::string_view action) {
  // An engine records the same action in runs: the last one is tried before the table.
  if (last_action_ < actions_.size() && actions_[last_action_].name == action) return last_action_;
  auto it = action_index_.find(action);
  if (it != action_index_.end()) return last_action_ = it->second;
  const auto index = static_cast<std::uint32_t>(actions_.size());
  actions_.push_back(Action{std::string(action), 0});
  actions_.back().price_micro = price_of(actions_.back().name);
  action_index_.emplace(actions_.back().name, index);
  return last_action_ = index;
}

UsageEvent EventLane::usage_event(const Entry& e) const {
  return UsageEvent{e.id.str(), actions_[e.action].name, e.quantity_milli, e.at_ms};
}

void EventLane::record(const RecordedEvent& event, TimePoint now, bool journaled) {
  const std::uint32_t action = intern(event.action);
  const std::int64_t charge = event_charge_milli(event.quantity_milli, actions_[action].price_micro);
  pending_milli_ += charge;
  if (events_.capacity() == 0) events_.reserve(kMaxEventBatch);
  events_.push_back(Entry{event.id, action, event.quantity_milli, event.at_ms, now, charge});
  if (journaled) journaled_ = size();
  ++recorded_;
}

void EventLane::drop_front(std::size_t n) {
  head_ += n;
  if (head_ == events_.size()) {
    events_.clear();  // keeps the capacity
    if (events_.capacity() > kMaxIdleCapacity) std::vector<Entry>().swap(events_);
    head_ = 0;
    if (actions_.size() > kMaxIdleActions) {
      actions_.clear();
      action_index_.clear();
    }
  } else if (head_ >= kMaxEventBatch && head_ * 2 >= events_.size()) {
    // Moves at most as many entries as were dropped since the last move: O(1) per event.
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

std::vector<UsageEvent> EventLane::take_unjournaled() {
  std::vector<UsageEvent> out;
  out.reserve(size() - journaled_);
  for (std::size_t i = journaled_; i < size(); ++i) out.push_back(usage_event(at(i)));
  journaled_ = size();
  return out;
}

std::vector<UsageEvent> EventLane::unsettled() const {
  std::vector<UsageEvent> out;
  out.reserve(size());
  for (std::size_t i = 0; i < size(); ++i) out.push_back(usage_event(at(i)));
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
  if (size() == 0) return std::nullopt;
  const bool due = urgent() || size() >= kMaxEventBatch || now >= at(0).recorded_at + batch_delay_;
  if (!due) return std::nullopt;
  // Only journaled events go out: the machine journals them in the same step, before.
  batch_ = std::min({size(), journaled_, kMaxEventBatch});
  if (batch_ == 0) return std::nullopt;
  std::vector<UsageEvent> events;
  events.reserve(batch_);
  std::vector<const UsageEvent*> batch;
  batch.reserve(batch_);
  for (std::size_t i = 0; i < batch_; ++i) {
    events.push_back(usage_event(at(i)));
    batch.push_back(&events.back());
  }
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
  if (journaled_ < size()) t = at(journaled_).recorded_at + kEventJournalDelay;
  if (size() == 0) return t;
  if (urgent() || size() >= kMaxEventBatch) return TimePoint::min();
  return std::min(t, at(0).recorded_at + batch_delay_);
}

EventSettlement EventLane::settle(const EventsAck* ack) {
  EventSettlement out;
  std::unordered_map<std::string, const EventRejection*> rejected;
  if (ack != nullptr) {
    for (const auto& r : ack->rejected) rejected.emplace(r.event_id, &r);
    if (ack->has_balance) out.balance = ack->balance;
    if (!ack->has_charges) out.charged = ack->credits_charged;  // an older server: the batch's total
  }
  out.settled_ids.reserve(batch_);
  for (std::size_t i = 0; i < batch_; ++i) {
    const Entry& e = at(i);
    std::string id = e.id.str();
    auto r = rejected.find(id);
    if (r != rejected.end()) {
      out.rejected.emplace_back(usage_event(e), *r->second);
      ++rejected_;
    } else {
      if (ack != nullptr && ack->has_charges) {
        auto c = ack->charges.find(id);
        if (c != ack->charges.end()) out.charged += c->second;
      }
      ++acknowledged_;
      ++out.acknowledged;
    }
    out.settled_ids.push_back(std::move(id));
    pending_milli_ -= e.charge_milli;
  }
  drop_front(batch_);
  settled_ += batch_;
  journaled_ -= std::min(journaled_, batch_);
  batch_ = 0;
  on_wire_ = false;
  return out;
}

}  // namespace core
}  // namespace creditmeter

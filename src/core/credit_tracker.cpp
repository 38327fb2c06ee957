#include "core/credit_tracker.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace creditmeter {
namespace core {

namespace {

// `now` + `ms`, or TimePoint::max() when that is beyond any lifetime: more than 10^12 ms (31
// years), which also keeps the sum inside TimePoint's nanoseconds (2^63 ns is 292 years). A
// room under the cap that a server's answer made huge (a negative charge of -1e308) or NaN
// lands here too: converting such a double to an integer is undefined behaviour.
TimePoint after_ms(TimePoint now, double ms) {
  if (!(ms <= 1e12)) return TimePoint::max();
  return now + std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

}  // namespace

double CreditTracker::minutes_left() const {
  if (credits_per_minute_ <= 0) return std::numeric_limits<double>::infinity();
  return std::max(0.0, balance_) / credits_per_minute_;
}

bool CreditTracker::set_balance(double balance) {
  const bool changed = balance != balance_ || !balance_known_;
  balance_known_ = true;
  balance_ = balance;
  if (changed) events_.push_back(BalanceEvent{BalanceEvent::Kind::balance, balance_, minutes_left(), credits_charged_, unit_});
  // Low-balance alert: once per downward crossing, re-armed when a top-up lifts it above.
  const double threshold = policy_.low_balance_credits ? *policy_.low_balance_credits
                                                       : policy_.low_balance_minutes * credits_per_minute_;
  if (!below_low_balance_ && balance_ < threshold) {
    below_low_balance_ = true;
    events_.push_back(BalanceEvent{BalanceEvent::Kind::low_balance, balance_, minutes_left(), credits_charged_, unit_});
    return true;
  }
  if (below_low_balance_ && balance_ > threshold) below_low_balance_ = false;
  return false;
}

bool CreditTracker::record_charge(double charged, double balance) {
  credits_charged_ += charged;  // first: the balance event reports the session's credits after it
  return set_balance(balance);
}

bool CreditTracker::record_event_charge(double charged, double balance) {
  events_charged_milli_ += std::round(charged * 1000.0);
  return record_charge(charged, balance);
}

bool CreditTracker::set_policy(const CreditPolicy& policy) {
  policy_ = policy;
  // Re-judge the balance under the new threshold: an already low balance alerts once.
  events_.erase(std::remove_if(events_.begin(), events_.end(),
                               [](const BalanceEvent& e) { return e.kind == BalanceEvent::Kind::low_balance; }),
                events_.end());
  below_low_balance_ = false;
  return set_balance(balance_);
}

std::vector<BalanceEvent> CreditTracker::take_events() {
  std::vector<BalanceEvent> out;
  out.swap(events_);
  return out;
}

double CreditTracker::projected(std::int64_t unbilled_ms) const {
  return credits_charged_ + static_cast<double>(unbilled_ms) * credits_per_minute_ / 60000.0;
}

std::int64_t CreditTracker::cap_active_ms(std::int64_t reported_ms, double committed) const {
  if (!policy_.max_credits || credits_per_minute_ <= 0) return std::numeric_limits<std::int64_t>::max();
  const double remaining = *policy_.max_credits - credits_charged_ - committed;
  const double ms = std::floor(std::max(0.0, remaining) * 60000.0 / credits_per_minute_);
  if (!(ms <= 1e15)) return std::numeric_limits<std::int64_t>::max();  // beyond any lifetime, or NaN
  return reported_ms + static_cast<std::int64_t>(ms);
}

// Over the cap when the projection reaches it. Under it, the next judgement is when the
// usage could reach it at the earliest: active time never runs faster than the clock.
std::optional<bool> CreditTracker::judge_cap(TimePoint now, std::int64_t total_ms, double projected,
                                             bool stopped) {
  last_total_ms_ = total_ms;
  if (stopped || !policy_.max_credits) {
    cap_check_at_ = TimePoint::max();
    return std::nullopt;
  }
  const double remaining = *policy_.max_credits - projected;
  const bool over = remaining <= 1e-9;  // frame() stops exactly at the cap: float dust is "at"
  if (over || credits_per_minute_ <= 0) {
    cap_check_at_ = TimePoint::max();
  } else {
    const double ms = std::floor(remaining / credits_per_minute_ * 60000.0);
    cap_check_at_ = after_ms(now, ms < 1 ? 1.0 : ms);
  }
  return over;
}

TimePoint earliest_cap_reach(TimePoint now, double room, double per_minute) {
  if (per_minute <= 0) return TimePoint::max();
  // Float dust (a room of 0.00266...7 credits) must not push a whole millisecond later: the
  // judgement would then miss the frame that reaches the cap by one millisecond.
  const double ms = std::ceil(std::max(0.0, room) * 60000.0 / per_minute - 1e-6);
  return after_ms(now, ms);
}

}  // namespace core
}  // namespace creditmeter

#pragma once
// A session's credits as it learns them (docs/CREDITS.md): the rate, the credits charged, the
// account balance of the latest answer, the low-balance alert and the spending cap. The
// server is the only judge of money: this only mirrors its answers, and prices the usage it
// has not acknowledged yet at the session's rate, so that a cap pauses the session before the
// server's next answer would show it crossed.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time_point.hpp"

namespace creditmeter {
namespace core {

// A change of the account balance as this session learned it, or a low-balance alert.
struct BalanceEvent {
  enum class Kind { balance, low_balance };
  Kind kind = Kind::balance;
  double balance = 0;          // in `unit`
  double minutes_left = 0;     // at this session's rate (infinite when it is free)
  double session_credits = 0;  // charged for this session so far (time and events), in `unit`
  std::string unit;            // what the amounts count in ("credits", "USD")
};

// The session's credit rules: the low-balance threshold, in minutes of runtime at the
// session's rate or in credits, and an optional spending cap.
struct CreditPolicy {
  double low_balance_minutes = 5;
  std::optional<double> low_balance_credits;
  std::optional<double> max_credits;
};

class CreditTracker {
 public:
  explicit CreditTracker(double credits_per_minute = 0) : credits_per_minute_(credits_per_minute) {}

  double credits_per_minute() const { return credits_per_minute_; }
  double credits_charged() const { return credits_charged_; }
  // The part of credits_charged() usage events cost (the rest is active time).
  double events_credits_charged() const { return events_charged_milli_ / 1000.0; }
  // What the amounts count in: "credits" until an answer says otherwise ("USD").
  const std::string& unit() const { return unit_; }
  void set_unit(std::string unit) { unit_ = std::move(unit); }
  double balance() const { return balance_; }
  // Runtime the balance buys at the session's rate (infinity for a free session).
  double minutes_left() const;

  // A balance from the server. Emits a balance event when it changed (or is the first), and a
  // low-balance alert once per downward crossing of the threshold; returns whether it alerted.
  bool set_balance(double balance);
  // An acknowledgement: `charged` more credits for this session, and the balance after it.
  bool record_charge(double charged, double balance);
  // The same for an events answer: `charged` is what the settled usage events cost.
  bool record_event_charge(double charged, double balance);
  // New rules: the current balance is judged again (an already low balance alerts once more).
  // Returns whether it alerted.
  bool set_policy(const CreditPolicy& policy);
  void set_max_credits(std::optional<double> max_credits) { policy_.max_credits = max_credits; }
  const CreditPolicy& policy() const { return policy_; }

  std::vector<BalanceEvent> take_events();
  bool has_events() const { return !events_.empty(); }

  // --- the spending cap ---------------------------------------------------------------
  // Credits charged plus `unbilled_ms` of usage priced at the session's rate.
  double projected(std::int64_t unbilled_ms) const;
  // The most active time the cap allows, with `reported_ms` acknowledged and `committed`
  // credits owed already beyond the charges (unsettled usage events) (INT64_MAX uncapped).
  std::int64_t cap_active_ms(std::int64_t reported_ms, double committed = 0) const;
  // Whether the cap must be judged now: its check time came, or the meter's total moved.
  bool cap_check_due(TimePoint now, std::int64_t total_ms) const {
    return now >= cap_check_at_ || total_ms != last_total_ms_;
  }
  TimePoint cap_check_at() const { return cap_check_at_; }
  // Judge the cap at the next chance (`needed`), or not until something changes.
  void recheck_cap(bool needed) { cap_check_at_ = needed ? TimePoint::min() : TimePoint::max(); }
  // Judges the cap with the meter at `total_ms` and `projected` credits: whether the session
  // is at or over it (nullopt: nothing to judge, no cap or the session is stopped), and plans
  // the next judgement (see the definition).
  std::optional<bool> judge_cap(TimePoint now, std::int64_t total_ms, double projected, bool stopped);

 private:
  double credits_per_minute_;
  double credits_charged_ = 0;
  // Event charges in milli-units, as whole numbers in a double: the server charges each event
  // whole milli-units, and summing integers keeps the total exact (equal to the server's
  // ledger) where summing thousandths would drift; a double, not an int64, so that no value
  // a server sends can overflow it.
  double events_charged_milli_ = 0;
  std::string unit_ = "credits";
  double balance_ = 0;
  bool balance_known_ = false;
  bool below_low_balance_ = false;
  CreditPolicy policy_;
  std::vector<BalanceEvent> events_;
  TimePoint cap_check_at_ = TimePoint::max();
  std::int64_t last_total_ms_ = 0;  // the meter's total at the last judgement
};

// The earliest moment usage accruing at most `per_minute` credits a minute (rendering runs no
// faster than the clock) can use up `room` credits: when a cap with that much room left must
// be judged again. Rounded up to the whole millisecond the meter counts in, so the judgement
// never comes a hair early; TimePoint::max() when nothing accrues.
TimePoint earliest_cap_reach(TimePoint now, double room, double per_minute);

}  // namespace core
}  // namespace creditmeter

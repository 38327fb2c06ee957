#include "core/session_machine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include <openssl/crypto.h>

#include "core/jwt.hpp"
#include "core/time_format.hpp"

namespace creditmeter {
namespace core {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace {

std::string format_credits(double credits) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", credits);
  return buf;
}

TimePoint never() { return TimePoint::max(); }

}  // namespace

// Heartbeat due times sit on a grid of min(50 ms, interval/20) of the clock: sessions whose
// heartbeats fall due in the same slot share one wake-up of the scheduler (one timer pass, one
// batch on the pooled connections) instead of one each: at 10,000 sessions that turns ~1,000
// wake-ups a second into ~20. A heartbeat is never early; it is at most one slot late.
TimePoint SessionMachine::due_after(TimePoint now) const {
  const std::int64_t grid = std::max<std::int64_t>(
      1, std::min<std::int64_t>(50000000, std::chrono::duration_cast<TimePoint>(backoff_.interval).count() / 20));
  const std::int64_t t = (now + backoff_.interval).count();
  if (t <= 0 || t > std::numeric_limits<std::int64_t>::max() - grid) return TimePoint(t);
  return TimePoint((t + grid - 1) / grid * grid);
}

// After a heartbeat (or checkpoint) at `now`: on schedule, the next is due one interval after
// the due time it served, so the cadence does not drift by the send's lateness each interval;
// off schedule (a flush before the due time, or a send more than an interval late after an
// outage) one interval after now.
void SessionMachine::advance_due(TimePoint now) {
  const bool on_schedule = now >= next_due_ && now - next_due_ < std::chrono::duration_cast<TimePoint>(backoff_.interval);
  next_due_ = due_after(on_schedule ? next_due_ : now);
}

SessionMachine::SessionMachine(std::string session_id, std::string model, std::string surface,
                               const TokenGrant& grant, TimePoint now, std::int64_t wall_ms,
                               std::function<double()> random01)
    : session_id_(std::move(session_id)),
      model_(std::move(model)),
      surface_(std::move(surface)),
      random01_(std::move(random01)),
      grace_(grant.offline_grace) {
  backoff_.interval = grant.heartbeat_interval;
  adopt_token(grant.token, grant.expires_at, /*force=*/true);
  credits_per_minute_ = grant.credits_per_minute;
  set_balance(grant.balance);
  next_due_ = due_after(now);
  grace_deadline_ = now + grace_;  // the token exchange counts as the first 2xx
  period_start_wall_ms_ = wall_ms;
}

SessionMachine::~SessionMachine() {
  if (!token_.empty()) OPENSSL_cleanse(&token_[0], token_.size());
}

SessionMachine::SessionMachine(const RecoveredSession& r, TimePoint now, std::function<double()> random01)
    : session_id_(r.session_id),
      model_(r.model),
      surface_(r.surface),
      random01_(std::move(random01)),
      // A journal's timing is only a hint for the re-attach: never faster than once a second.
      grace_(std::max<std::int64_t>(1000, r.grace_ms)) {
  backoff_.interval = milliseconds(std::max<std::int64_t>(1000, r.interval_ms));
  stopped_ = true;
  published_state_ = SessionState::stopped;
  published_reason_ = Reason::stopped;
  last_seq_ = r.last_seq;
  sent_ms_ = r.sent_ms;
  final_ms_ = std::max(r.total_ms, r.sent_ms);
  for (const auto& out : r.unacknowledged) {
    if (!pending_) pending_ = Pending{out, now, 0};
    else recovery_queue_.push_back(out);
  }
  exchange_needed_ = true;  // a dead process's token is no use: re-attach first
  exchange_retry_at_ = now;
  next_due_ = due_after(now);
  grace_deadline_ = TimePoint::max();
}

// ---------------------------------------------------------------------------- state

SessionState SessionMachine::state() const {
  if (stopped_) return SessionState::stopped;
  if (user_paused_) return SessionState::paused_by_user;
  if (billing_ != Reason::none || hold_spend_cap_ || hold_client_cap_ || hold_journal_full_) {
    return SessionState::paused_billing;
  }
  if (offline_) return SessionState::paused_offline;
  return SessionState::active;
}

// Announces a transition when the state or the reason of a pause changed. `cause` is the
// reason given when the session becomes active (user for resume(), none for a 2xx).
void SessionMachine::publish(Reason cause) {
  const SessionState to = state();
  Reason reason = cause;
  switch (to) {
    case SessionState::stopped: reason = Reason::stopped; break;
    case SessionState::paused_by_user: reason = Reason::user; break;
    case SessionState::paused_billing:
      reason = billing_ != Reason::none ? billing_
               : (hold_spend_cap_ || hold_client_cap_) ? Reason::spend_cap
                                                        : Reason::journal_full;
      break;
    case SessionState::paused_offline: reason = Reason::grace_expired; break;
    case SessionState::active: break;
  }
  if (to == published_state_ && (to == SessionState::active || reason == published_reason_)) return;
  StateChange change;
  change.from = published_state_;
  change.to = to;
  change.reason = reason;
  change.message = state_message(to, reason);
  published_state_ = to;
  published_reason_ = reason;
  log(to == SessionState::active || to == SessionState::stopped || to == SessionState::paused_by_user
          ? LogLevel::info
          : LogLevel::warning,
      "session " + session_id_ + ": " + to_string(change.from) + " -> " + to_string(to) + " (" +
          to_string(reason) + "): " + change.message);
  changes_.push_back(std::move(change));
}

std::string SessionMachine::state_message(SessionState to, Reason reason) const {
  switch (to) {
    case SessionState::active:
      return reason == Reason::user ? "resumed" : "billing confirmed by the server; rendering";
    case SessionState::stopped: return "stopped";
    case SessionState::paused_by_user: return "paused by the application";
    case SessionState::paused_offline:
      return "no acknowledged heartbeat for " + std::to_string(grace_.count() / 1000) +
             " s (the offline grace): rendering pauses until the server is reachable again";
    case SessionState::paused_billing:
      switch (reason) {
        case Reason::insufficient_credits:
          return "out of credits (balance " + format_credits(balance_) +
                 " credits): top up credits; the session resumes on the next heartbeat after it";
        case Reason::authentication_failed:
          return "the server refused the API key (revoked or invalid): check your API secret";
        case Reason::spend_cap: return "the spending cap is reached: raise max_credits to resume";
        case Reason::journal_full:
          return "the usage journal is full: free disk space or raise the journal cap";
        default: return "billing hold";
      }
  }
  return {};
}

void SessionMachine::pause() {
  if (stopped_) return;
  user_paused_ = true;
  publish(Reason::user);
}

void SessionMachine::resume() {
  if (stopped_) return;
  user_paused_ = false;
  // A hold from the server lifts only on a 2xx: probe at once rather than at the next due.
  if (billing_ != Reason::none || offline_) probe_ = true;
  publish(Reason::user);
}

void SessionMachine::stop(std::int64_t final_active_ms) {
  if (stopped_) return;
  stopped_ = true;
  final_ms_ = std::max(final_active_ms, sent_ms_);
  // The final total is what the release will carry: it must survive a crash before then.
  JournalOp cp;
  cp.kind = JournalOp::Kind::checkpoint;
  cp.total_ms = final_ms_;
  journal_.push_back(cp);
  // The release follows the pending heartbeat: retry that at once instead of backing off.
  if (pending_) pending_->retry_at = TimePoint::min();
  if (exchange_needed_) exchange_retry_at_ = TimePoint::min();
  publish(Reason::stopped);
}

void SessionMachine::request_flush() {
  flush_ = true;
  if (pending_) pending_->retry_at = TimePoint::min();
  if (exchange_needed_) exchange_retry_at_ = TimePoint::min();
}

void SessionMachine::set_local_hold(Reason reason, bool on) {
  bool& hold = reason == Reason::journal_full ? hold_journal_full_ : hold_client_cap_;
  if (hold == on) return;
  hold = on;
  publish(Reason::none);
}

void SessionMachine::set_credit_policy(const CreditPolicy& policy) {
  policy_ = policy;
  // Re-judge the balance under the new threshold: an already low balance alerts once.
  balance_events_.erase(std::remove_if(balance_events_.begin(), balance_events_.end(),
                                       [](const BalanceEvent& e) { return e.kind == BalanceEvent::Kind::low_balance; }),
                        balance_events_.end());
  below_low_balance_ = false;
  set_balance(balance_);
  // Check a cap at the next step; without one (and no hold to lift) there is nothing to check.
  cap_check_at_ = policy_.max_credits || hold_spend_cap_ ? TimePoint::min() : TimePoint::max();
}

void SessionMachine::set_max_credits(std::optional<double> max_credits) {
  policy_.max_credits = max_credits;
  cap_check_at_ = TimePoint::min();  // re-check (and perhaps lift) at the next step
  if (!max_credits && hold_spend_cap_) {
    hold_spend_cap_ = false;
    publish(Reason::none);
  }
}

double SessionMachine::projected_credits(std::int64_t total_active_ms) const {
  const std::int64_t total = stopped_ ? final_ms_ : total_active_ms;
  const auto unbilled = static_cast<double>(std::max<std::int64_t>(0, total - reported_ms_));
  return credits_charged_ + unbilled * credits_per_minute_ / 60000.0;
}

std::int64_t SessionMachine::cap_active_ms() const {
  if (!policy_.max_credits || credits_per_minute_ <= 0) return std::numeric_limits<std::int64_t>::max();
  const double remaining = *policy_.max_credits - credits_charged_;
  const double ms = std::floor(std::max(0.0, remaining) * 60000.0 / credits_per_minute_);
  if (ms > 1e15) return std::numeric_limits<std::int64_t>::max();
  return reported_ms_ + static_cast<std::int64_t>(ms);
}

double SessionMachine::minutes_left() const {
  if (credits_per_minute_ <= 0) return std::numeric_limits<double>::infinity();
  return std::max(0.0, balance_) / credits_per_minute_;
}

void SessionMachine::set_balance(double balance) {
  const bool changed = balance != balance_ || !balance_known_;
  balance_known_ = true;
  balance_ = balance;
  if (changed) balance_events_.push_back(BalanceEvent{BalanceEvent::Kind::balance, balance_, minutes_left(), credits_charged_});
  // Low-balance alert: once per downward crossing, re-armed when a top-up lifts it above.
  const double threshold = policy_.low_balance_credits ? *policy_.low_balance_credits
                                                       : policy_.low_balance_minutes * credits_per_minute_;
  if (!below_low_balance_ && balance_ < threshold) {
    below_low_balance_ = true;
    balance_events_.push_back(BalanceEvent{BalanceEvent::Kind::low_balance, balance_, minutes_left(), credits_charged_});
    log(LogLevel::info, "session " + session_id_ + ": low balance (" + format_credits(balance_) + " credits)");
  } else if (below_low_balance_ && balance_ > threshold) {
    below_low_balance_ = false;
  }
}

// Pauses before the session's spending cap would be crossed: the usage not yet billed is
// priced at the session's rate, and the next check is when it could reach the cap at the
// earliest (active time never runs faster than the clock).
void SessionMachine::check_spend_cap(TimePoint now, std::int64_t total_active_ms) {
  last_total_ms_ = total_active_ms;
  if (stopped_ || !policy_.max_credits) {
    cap_check_at_ = TimePoint::max();
    return;
  }
  const double remaining = *policy_.max_credits - projected_credits(total_active_ms);
  const bool over = remaining <= 1e-9;  // frame() stops exactly at the cap: float dust is "at"
  if (over != hold_spend_cap_) {
    hold_spend_cap_ = over;
    if (over) {
      log(LogLevel::warning, "session " + session_id_ + ": spending cap of " + format_credits(*policy_.max_credits) +
                                 " credits reached");
    }
    publish(Reason::none);
  }
  if (over || credits_per_minute_ <= 0) {
    cap_check_at_ = TimePoint::max();
    return;
  }
  const auto ms = static_cast<std::int64_t>(remaining / credits_per_minute_ * 60000.0);
  cap_check_at_ = now + std::chrono::milliseconds(std::max<std::int64_t>(1, ms));
}

void SessionMachine::advance(TimePoint now) {
  if (!stopped_ && !offline_ && now >= grace_deadline_) {
    offline_ = true;
    publish(Reason::grace_expired);
  }
}

TimePoint SessionMachine::next_wakeup() const {
  return std::min(next_wakeup_for_requests(), stopped_ ? never() : cap_check_at_);
}

TimePoint SessionMachine::next_wakeup_for_requests() const {
  if (on_wire_) {
    if (stopped_) return never();
    return std::min(offline_ ? never() : grace_deadline_, pending_ ? next_due_ : never());
  }
  TimePoint t = never();
  if (!stopped_ && !offline_) t = std::min(t, grace_deadline_);
  if (exchange_needed_) return std::min(t, probe_ || flush_ ? TimePoint::min() : exchange_retry_at_);
  if (pending_) {
    // Also wake at the due time: a checkpoint of the usage accrued behind it is due.
    const TimePoint due = stopped_ ? never() : next_due_;
    return std::min({t, due, probe_ || flush_ ? TimePoint::min() : pending_->retry_at});
  }
  if (!recovery_queue_.empty()) return TimePoint::min();
  if (stopped_) return release_acked_ ? t : TimePoint::min();
  if (probe_ || flush_) return TimePoint::min();
  return std::min(t, next_due_);
}

// ---------------------------------------------------------------------------- requests

std::optional<Outgoing> SessionMachine::next_request(TimePoint now, std::int64_t wall_ms,
                                                     std::int64_t total_active_ms) {
  advance(now);
  if (now >= cap_check_at_ || total_active_ms != last_total_ms_) check_spend_cap(now, total_active_ms);
  if (pending_ && !stopped_ && now >= next_due_) {
    // Usage accrues behind an unacknowledged heartbeat: checkpoint it every interval.
    JournalOp cp;
    cp.kind = JournalOp::Kind::checkpoint;
    cp.total_ms = total_active_ms;
    journal_.push_back(cp);
    advance_due(now);
  }
  if (on_wire_) return std::nullopt;
  const bool urgent = probe_ || flush_;

  if (exchange_needed_) {
    if (!urgent && now < exchange_retry_at_) return std::nullopt;
    flush_after_ack_ = flush_after_ack_ || flush_;  // what accrued behind it is flushed after the ack
    probe_ = flush_ = false;
    on_wire_ = exchange_on_wire_ = true;
    Outgoing ex;
    ex.kind = Outgoing::Kind::token_exchange;
    ex.body = token_request_body(model_, surface_, session_id_);
    return ex;
  }

  if (!pending_ && !recovery_queue_.empty()) {
    pending_ = Pending{recovery_queue_.front(), now, 0};
    recovery_queue_.erase(recovery_queue_.begin());
  }
  if (pending_) {
    if (!urgent && now < pending_->retry_at) return std::nullopt;
    flush_after_ack_ = flush_after_ack_ || flush_;  // what accrued behind it is flushed after the ack
    probe_ = flush_ = false;
    on_wire_ = true;
    ++heartbeats_retried_;
    return pending_->request;  // byte-identical: same key, same body
  }

  Outgoing out;
  if (stopped_) {
    if (release_acked_) return std::nullopt;
    out.kind = Outgoing::Kind::release;
    out.seq = ++last_seq_;
    out.active_ms = final_ms_ - sent_ms_;
    out.body = release_body(session_id_, out.seq, out.active_ms);
  } else {
    const std::int64_t unsent = std::max<std::int64_t>(0, total_active_ms - sent_ms_);
    const bool flush_due = flush_ && unsent > 0;
    if (now < next_due_ && !probe_ && !flush_due) {
      flush_ = false;  // nothing to flush
      return std::nullopt;
    }
    out.kind = Outgoing::Kind::heartbeat;
    out.seq = ++last_seq_;
    out.active_ms = unsent;
    out.body = heartbeat_body(session_id_, out.seq, out.active_ms, rfc3339_ms(period_start_wall_ms_),
                              rfc3339_ms(wall_ms));
    period_start_wall_ms_ = wall_ms;
    advance_due(now);
  }
  probe_ = flush_ = false;
  out.idempotency_key = idempotency_key(session_id_, out.seq);
  sent_ms_ += out.active_ms;
  pending_ = Pending{out, now, 0};
  JournalOp sent;
  sent.kind = JournalOp::Kind::sent;
  sent.request = out;
  journal_.push_back(std::move(sent));
  on_wire_ = true;
  return out;
}

// ---------------------------------------------------------------------------- answers

std::string SessionMachine::describe(const Answer& a) const {
  if (a.http_status == 0) return a.error.empty() ? "no answer" : a.error;
  std::string s = "HTTP " + std::to_string(a.http_status);
  if (!a.api_error.code.empty()) s += " " + a.api_error.code;
  if (!a.error.empty()) s += " (" + a.error + ")";
  return s;
}

void SessionMachine::on_answer(TimePoint now, const Answer& answer) {
  if (!on_wire_) return;  // an answer nobody asked for (aborted request): ignore
  on_wire_ = false;
  if (exchange_on_wire_) {
    exchange_on_wire_ = false;
    on_exchange_answer(now, answer);
    advance(now);
    return;
  }
  if (!pending_) return;
  const Outgoing& req = pending_->request;
  const char* what = req.kind == Outgoing::Kind::release ? "release" : "heartbeat";
  const AnswerKind kind = answer.kind;

  switch (kind) {
    case AnswerKind::ok:
      ++heartbeats_ok_;
      acknowledge(answer);
      mark_online(now);
      if (billing_ != Reason::none) billing_ = Reason::none;
      publish(Reason::none);
      break;
    case AnswerKind::insufficient:
    case AnswerKind::revoked:
      // The server recorded and charged this usage: never resend it.
      ++heartbeats_failed_;
      note_failure(answer, kind == AnswerKind::insufficient ? Reason::insufficient_credits
                                                             : Reason::authentication_failed);
      acknowledge(answer);
      billing_ = kind == AnswerKind::insufficient ? Reason::insufficient_credits
                                                  : Reason::authentication_failed;
      publish(Reason::none);
      break;
    case AnswerKind::token_invalid:
      ++heartbeats_failed_;
      note_failure(answer, Reason::authentication_failed);
      log(LogLevel::info, std::string("session ") + session_id_ + ": token refused (" +
                              answer.api_error.code + "); re-attaching");
      exchange_needed_ = true;
      exchange_retry_at_ = now;
      exchange_attempts_ = 0;
      break;
    case AnswerKind::mismatch: {
      // The key is burnt (another body holds it, e.g. from a lost earlier process). The
      // server did not record this body: move its usage into the next seq.
      ++heartbeats_failed_;
      log(LogLevel::error, std::string("session ") + session_id_ + ": " + what + " seq " +
                               std::to_string(req.seq) + " refused as an idempotency mismatch; its " +
                               std::to_string(req.active_ms) + " ms move to the next heartbeat");
      sent_ms_ -= req.active_ms;
      JournalOp drop;
      drop.kind = JournalOp::Kind::drop;
      drop.seq = req.seq;
      journal_.push_back(drop);
      const bool was_release = req.kind == Outgoing::Kind::release;
      pending_.reset();
      if (!was_release) flush_ = true;
      break;
    }
    default:
      ++heartbeats_failed_;
      note_failure(answer, Reason::offline);
      schedule_retry(now, answer, &pending_->retry_at, &pending_->attempts);
      log(kind == AnswerKind::rejected ? LogLevel::error : LogLevel::warning,
          std::string("session ") + session_id_ + ": " + what + " seq " + std::to_string(req.seq) +
              " failed: " + describe(answer) + "; retrying");
      break;
  }
  advance(now);
}

void SessionMachine::on_exchange_answer(TimePoint now, const Answer& answer) {
  switch (answer.kind) {
    case AnswerKind::ok:
      adopt_token(answer.grant->token, answer.grant->expires_at, /*force=*/true);
      backoff_.interval = answer.grant->heartbeat_interval;
      grace_ = answer.grant->offline_grace;
      exchange_needed_ = false;
      exchange_attempts_ = 0;
      mark_online(now);
      if (billing_ == Reason::authentication_failed) billing_ = Reason::none;
      if (pending_) pending_->retry_at = now;  // resend what the old token could not carry
      log(LogLevel::info, "session " + session_id_ + ": re-attached with a fresh token");
      publish(Reason::none);
      break;
    case AnswerKind::auth_failed:
    case AnswerKind::revoked:
      ++heartbeats_failed_;
      billing_ = Reason::authentication_failed;
      exchange_retry_at_ = now + backoff_.interval;  // keep trying: a key may be restored
      log(LogLevel::error, "session " + session_id_ + ": re-attach refused: " + describe(answer));
      publish(Reason::none);
      break;
    default:
      ++heartbeats_failed_;
      schedule_retry(now, answer, &exchange_retry_at_, &exchange_attempts_);
      log(LogLevel::warning, "session " + session_id_ + ": re-attach failed: " + describe(answer) + "; retrying");
      break;
  }
}

void SessionMachine::note_failure(const Answer& answer, Reason reason) {
  last_error_ = describe(answer);
  if (!answer.api_error.message.empty()) last_error_ += ": " + answer.api_error.message;
  last_error_reason_ = reason;
}

void SessionMachine::acknowledge(const Answer& answer) {
  if (flush_after_ack_) {
    flush_ = true;
    flush_after_ack_ = false;
  }
  const Outgoing& req = pending_->request;
  reported_ms_ += req.active_ms;
  JournalOp ack;
  ack.kind = JournalOp::Kind::ack;
  ack.seq = req.seq;
  journal_.push_back(ack);
  if (req.kind == Outgoing::Kind::release) release_acked_ = true;
  if (answer.ack) {
    credits_charged_ += answer.ack->credits_charged;
    set_balance(answer.ack->balance);
    if (!answer.ack->token.empty()) adopt_token(answer.ack->token, answer.ack->expires_at, false);
  }
  pending_.reset();
}

void SessionMachine::mark_online(TimePoint now) {
  grace_deadline_ = now + grace_;
  offline_ = false;
}

void SessionMachine::schedule_retry(TimePoint now, const Answer& answer, TimePoint* retry_at,
                                    unsigned* attempts) {
  ++*attempts;
  milliseconds delay;
  if (answer.api_error.retry_after) {
    delay = *answer.api_error.retry_after;  // the server knows best, even above the cap
  } else {
    // The deadline may have passed since the last advance(): the offline cap applies already.
    const bool paused_offline = offline_ || (!stopped_ && now >= grace_deadline_);
    delay = backoff_.delay(*attempts, paused_offline, random01_ ? random01_() : 0.5);
  }
  *retry_at = now + duration_cast<TimePoint>(delay);
}

void SessionMachine::adopt_token(const std::string& token, std::int64_t expires_at, bool force) {
  // The JWT's own `exp` is the truth; expires_at from the body is the fallback.
  const std::int64_t exp = jwt_expiry(token).value_or(expires_at);
  if (force || exp > token_expires_at_) {
    if (!token_.empty()) OPENSSL_cleanse(&token_[0], token_.size());  // a released secret
    token_ = token;
    token_expires_at_ = exp;
  }
}

// ---------------------------------------------------------------------------- outputs

std::vector<StateChange> SessionMachine::take_changes() {
  std::vector<StateChange> out;
  out.swap(changes_);
  return out;
}

std::vector<BalanceEvent> SessionMachine::take_balance_events() {
  std::vector<BalanceEvent> out;
  out.swap(balance_events_);
  return out;
}

std::vector<JournalOp> SessionMachine::take_journal() {
  std::vector<JournalOp> out;
  out.swap(journal_);
  return out;
}

std::vector<JournalOp> SessionMachine::journal_snapshot(std::int64_t total_active_ms) const {
  std::vector<JournalOp> ops;
  JournalOp state;
  state.kind = JournalOp::Kind::state;
  state.seq = last_seq_;
  state.total_ms = stopped_ ? final_ms_ : total_active_ms;
  state.sent_ms = sent_ms_;
  if (pending_) state.sent_ms -= pending_->request.active_ms;
  for (const auto& q : recovery_queue_) state.sent_ms -= q.active_ms;
  ops.push_back(state);
  auto sent = [&ops](const Outgoing& out) {
    JournalOp op;
    op.kind = JournalOp::Kind::sent;
    op.request = out;
    ops.push_back(op);
  };
  if (pending_) sent(pending_->request);
  for (const auto& q : recovery_queue_) sent(q);
  return ops;
}

std::vector<LogLine> SessionMachine::take_logs() {
  std::vector<LogLine> out;
  out.swap(logs_);
  return out;
}

void SessionMachine::log(LogLevel level, std::string message) {
  logs_.push_back(LogLine{level, std::move(message)});
}

bool SessionMachine::delivered(std::int64_t target_ms) const {
  if (pending_ || exchange_needed_ || !recovery_queue_.empty()) return false;
  if (stopped_) return release_acked_;
  return reported_ms_ >= target_ms;
}

std::int64_t SessionMachine::unacknowledged_ms(std::int64_t total_active_ms) const {
  const std::int64_t total = stopped_ ? final_ms_ : total_active_ms;
  return std::max<std::int64_t>(0, total - reported_ms_);
}

void SessionMachine::fill_stats(TimePoint now, SessionStats& stats) const {
  stats.reported_ms = reported_ms_;
  stats.credits_charged = credits_charged_;
  stats.balance = balance_;
  stats.heartbeats_ok = heartbeats_ok_;
  stats.heartbeats_failed = heartbeats_failed_;
  stats.heartbeats_retried = heartbeats_retried_;
  stats.last_error = last_error_;
  stats.last_error_reason = last_error_reason_;
  stats.minutes_left = minutes_left();
  if (stopped_ || offline_) {
    stats.grace_remaining_ms = 0;
  } else {
    stats.grace_remaining_ms =
        std::max<std::int64_t>(0, duration_cast<milliseconds>(grace_deadline_ - now).count());
  }
}

}  // namespace core
}  // namespace creditmeter

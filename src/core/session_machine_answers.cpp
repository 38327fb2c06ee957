#include "core/session_machine.hpp"

// What each answer means to the session (docs/PROTOCOL.md "Errors and what a client should
// do"): acknowledged usage, a pause for billing, a re-attach, a burnt key, a retry. The
// answer arrives classified once (decode_answer); here the machine acts on its kind.

namespace creditmeter {
namespace core {

void SessionMachine::on_answer(TimePoint now, const Answer& answer) {
  if (answer.request == Outgoing::Kind::events) {
    on_events_answer(now, answer);
    advance(now);
    return;
  }
  if (!on_wire_) return;  // an answer nobody asked for (aborted request): ignore
  on_wire_ = false;
  if (token_.take_reattach_answer()) {
    on_exchange_answer(now, answer);
    advance(now);
    return;
  }
  UsageOutbox::Pending* pending = outbox_.pending();
  if (!pending) return;
  const Outgoing& req = pending->request;
  const char* what = req.kind == Outgoing::Kind::release ? "release" : "heartbeat";

  switch (answer.kind) {
    case AnswerKind::ok:
      ++tally_.ok;
      acknowledge(answer);
      mark_online(now);
      holds_.billing = Reason::none;
      publish(Reason::none);
      break;
    case AnswerKind::insufficient:
    case AnswerKind::revoked: {
      // The server recorded and charged this usage: never resend it.
      const Reason reason = answer.kind == AnswerKind::insufficient ? Reason::insufficient_credits
                                                                    : Reason::authentication_failed;
      ++tally_.failed;
      note_failure(answer, reason);
      acknowledge(answer);
      holds_.billing = reason;
      publish(Reason::none);
      break;
    }
    case AnswerKind::token_invalid:
      ++tally_.failed;
      note_failure(answer, Reason::authentication_failed);
      log(token_refused_line(session_id(), answer));
      token_.require_reattach(now);
      break;
    case AnswerKind::mismatch: {
      // The key is burnt (another body holds it, e.g. from a lost earlier process). The
      // server did not record this body: move its usage into the next seq.
      ++tally_.failed;
      log(mismatch_line(session_id(), what, req.seq, req.active_ms));
      const bool was_release = req.kind == Outgoing::Kind::release;
      journal(JournalOp::Kind::drop, outbox_.drop(), 0);
      if (!was_release) flush_ = true;
      break;
    }
    default:
      ++tally_.failed;
      note_failure(answer, Reason::offline);
      schedule_retry(now, answer, pending->retry);
      log(retry_line(session_id(), what, req.seq, answer));
      break;
  }
  advance(now);
}

void SessionMachine::on_exchange_answer(TimePoint now, const Answer& answer) {
  switch (answer.kind) {
    case AnswerKind::ok:
      token_.adopt(answer.grant->token, answer.grant->expires_at, /*force=*/true);
      cadence_.set_interval(answer.grant->heartbeat_interval);
      grace_.set_grace(answer.grant->offline_grace);
      token_.reattached();
      mark_online(now);
      if (holds_.billing == Reason::authentication_failed) holds_.billing = Reason::none;
      if (auto* pending = outbox_.pending()) pending->retry.at = now;  // resend what the old token could not carry
      if (events_.has_batch()) events_.retry().at = now;                // the same batch, the same ids
      if (!answer.grant->prices_micro.empty()) events_.set_prices(answer.grant->prices_micro);
      credits_.set_unit(answer.grant->unit);
      log(reattached_line(session_id()));
      publish(Reason::none);
      break;
    case AnswerKind::auth_failed:
    case AnswerKind::revoked:
      ++tally_.failed;
      holds_.billing = Reason::authentication_failed;
      token_.reattach_retry().at = now + cadence_.interval();  // keep trying: a key may be restored
      log(reattach_refused_line(session_id(), answer));
      publish(Reason::none);
      break;
    default:
      ++tally_.failed;
      schedule_retry(now, answer, token_.reattach_retry());
      log(reattach_retry_line(session_id(), answer));
      break;
  }
}

// The events lane's answers (docs/CREDITS.md "Usage events"). A 2xx settles the batch: each
// event acknowledged (charged) or rejected for good. A 402 or 403 KEY_REVOKED settles it too
// (the server charged it) and pauses the session as a heartbeat's would; only a heartbeat or
// release answer lifts that pause. A refused token re-attaches, then the same batch goes again
// with the same ids; anything else retries it (backoff, Retry-After). The events lane does not
// move the offline grace: that is the heartbeats' measure of the connection.
void SessionMachine::on_events_answer(TimePoint now, const Answer& answer) {
  if (!events_.on_wire()) return;  // an answer nobody asked for (aborted request): ignore
  events_.answered();
  switch (answer.kind) {
    case AnswerKind::ok:
      settle_events(answer.events ? &*answer.events : nullptr);
      break;
    case AnswerKind::insufficient:
    case AnswerKind::revoked: {
      const Reason reason = answer.kind == AnswerKind::insufficient ? Reason::insufficient_credits
                                                                    : Reason::authentication_failed;
      note_failure(answer, reason);
      settle_events(answer.events ? &*answer.events : nullptr);
      holds_.billing = reason;
      publish(Reason::none);
      break;
    }
    case AnswerKind::token_invalid:
      note_failure(answer, Reason::authentication_failed);
      log(token_refused_line(session_id(), answer));
      token_.require_reattach(now);
      break;
    default:
      note_failure(answer, Reason::offline);
      schedule_retry(now, answer, events_.retry());
      log(events_retry_line(session_id(), events_.batch_size(), answer));
      break;
  }
}

void SessionMachine::settle_events(const EventsAck* ack) {
  EventSettlement settled = events_.settle(ack);
  JournalOp op;
  op.kind = JournalOp::Kind::events_settled;
  op.event_ids = std::move(settled.settled_ids);
  journal_.push_back(std::move(op));
  const double balance = settled.balance.value_or(credits_.balance());
  if (settled.charged != 0 || settled.balance) {
    if (credits_.record_event_charge(settled.charged, balance)) log(low_balance_line(session_id(), balance));
  }
  for (auto& r : settled.rejected) {
    log(event_rejected_line(session_id(), r.first, r.second));
    rejected_events_.push_back(std::move(r));
  }
  // A charge may cross the cap: judge it again at the next step.
  if (credits_.policy().max_credits) credits_.recheck_cap(true);
}

void SessionMachine::note_failure(const Answer& answer, Reason reason) {
  tally_.last_error = describe(answer);
  if (!answer.api_error.message.empty()) tally_.last_error += ": " + answer.api_error.message;
  tally_.last_error_reason = reason;
}

void SessionMachine::acknowledge(const Answer& answer) {
  if (flush_after_ack_) {
    flush_ = true;
    flush_after_ack_ = false;
  }
  journal(JournalOp::Kind::ack, outbox_.acknowledge(), 0);
  if (answer.ack) {
    if (credits_.record_charge(answer.ack->credits_charged, answer.ack->balance)) {
      log(low_balance_line(session_id(), answer.ack->balance));
    }
    if (!answer.ack->token.empty()) token_.adopt(answer.ack->token, answer.ack->expires_at, /*force=*/false);
  }
}

void SessionMachine::mark_online(TimePoint now) {
  grace_.restart(now);
  holds_.offline = false;
}

void SessionMachine::schedule_retry(TimePoint now, const Answer& answer, RetryTimer& retry) {
  // The deadline may have passed since the last advance(): the offline cap applies already.
  const bool paused_offline = holds_.offline || (!holds_.stopped && grace_.passed(now));
  const BackoffPolicy backoff{cadence_.interval()};
  retry.schedule(now, answer.api_error.retry_after, backoff, paused_offline, random01_);
  // The OS said the network is gone: only the slow probe until it says otherwise.
  if (network_down_ && !answer.api_error.retry_after) retry.network_gone(now, backoff.cap(true));
}

}  // namespace core
}  // namespace creditmeter

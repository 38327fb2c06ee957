#include "core/usage_outbox.hpp"

#include <algorithm>
#include <utility>

namespace creditmeter {
namespace core {

UsageOutbox::UsageOutbox(const RecoveredSession& r, TimePoint now)
    : last_seq_(r.last_seq), sent_ms_(r.sent_ms), final_ms_(std::max(r.total_ms, r.sent_ms)),
      release_acked_(r.released && r.unacknowledged.empty()) {
  for (const auto& out : r.unacknowledged) {
    if (!pending_) pending_ = Pending{out, RetryTimer::ready_at(now)};
    else recovered_.push_back(out);
  }
}

void UsageOutbox::promote_recovered(TimePoint now) {
  if (pending_ || recovered_.empty()) return;
  pending_ = Pending{recovered_.front(), RetryTimer::ready_at(now)};
  recovered_.erase(recovered_.begin());
}

const Outgoing& UsageOutbox::send(Outgoing out, const std::string& session_id, TimePoint now) {
  out.idempotency_key = idempotency_key(session_id, out.seq);
  sent_ms_ += out.active_ms;
  pending_ = Pending{std::move(out), RetryTimer::ready_at(now)};
  return pending_->request;
}

std::uint64_t UsageOutbox::acknowledge() {
  const Outgoing& req = pending_->request;
  const std::uint64_t seq = req.seq;
  reported_ms_ += req.active_ms;
  if (req.kind == Outgoing::Kind::release) release_acked_ = true;
  pending_.reset();
  return seq;
}

std::uint64_t UsageOutbox::drop() {
  const std::uint64_t seq = pending_->request.seq;
  sent_ms_ -= pending_->request.active_ms;
  pending_.reset();
  return seq;
}

void UsageOutbox::close(std::int64_t final_active_ms) { final_ms_ = std::max(final_active_ms, sent_ms_); }

std::int64_t UsageOutbox::unacknowledged_ms(std::int64_t total_ms) const {
  return std::max<std::int64_t>(0, total_ms - reported_ms_);
}

std::vector<JournalOp> UsageOutbox::snapshot(std::int64_t total_ms) const {
  std::vector<JournalOp> ops;
  JournalOp state;
  state.kind = JournalOp::Kind::state;
  state.seq = last_seq_;
  state.total_ms = total_ms;
  state.sent_ms = sent_ms_;  // minus what is still unacknowledged: it is resent, not re-counted
  if (pending_) state.sent_ms -= pending_->request.active_ms;
  for (const auto& q : recovered_) state.sent_ms -= q.active_ms;
  ops.push_back(state);
  auto sent = [&ops](const Outgoing& out) {
    JournalOp op;
    op.kind = JournalOp::Kind::sent;
    op.request = out;
    ops.push_back(op);
  };
  if (pending_) sent(pending_->request);
  for (const auto& q : recovered_) sent(q);
  return ops;
}

}  // namespace core
}  // namespace creditmeter

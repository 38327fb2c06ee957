// The I/O loop's upkeep beside its turns (src/scheduler.cpp): the client-wide spending cap over
// all sessions, and the journal's compaction and its journal_full hold.

#include <chrono>

#include "core/credit_tracker.hpp"
#include "journal.hpp"
#include "logger.hpp"
#include "scheduler.hpp"
#include "session_registry.hpp"

namespace creditmeter {
namespace detail {

namespace {
// The sessions' projected credits and how fast rendering can add to them.
SessionImpl::CreditProjection project(const std::vector<std::shared_ptr<SessionImpl>>& sessions) {
  SessionImpl::CreditProjection sum;
  for (const auto& s : sessions) {
    const SessionImpl::CreditProjection p = s->credit_projection();
    sum.credits += p.credits;
    sum.per_minute += p.per_minute;
  }
  return sum;
}
}  // namespace

// Judged when a step or an answer may have changed what the sessions owe or whether they
// render, and at the earliest moment their rendering could reach the cap; never on a period.
void Scheduler::maintain_client_cap() {
  std::optional<double> cap;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cap = client_cap_;
  }
  if (!cap && !client_cap_hold_) {
    next_cap_check_ = core::TimePoint::max();
    return;
  }
  const core::TimePoint now = parts_.clock.now();
  if (!client_cap_stale_ && now < next_cap_check_) return;
  client_cap_stale_ = false;
  const auto all = parts_.registry.kept();
  SessionImpl::CreditProjection projected = project(all);
  // frame() stops a session exactly at a cap: float dust is "at" it (as for a session's cap).
  const bool over = cap && *cap - projected.credits <= 1e-9;
  if (over != client_cap_hold_) {
    client_cap_hold_ = over;
    parts_.logger.log(over ? LogLevel::warning : LogLevel::info,
                      over ? "the client's spending cap is reached: its sessions pause"
                           : "the client's spending cap has room again: its sessions resume");
    for (const auto& s : all) {
      s->set_local_hold(Reason::spend_cap, over);
      s->deliver_events();
    }
    projected = project(all);  // the hold changed which sessions may render
  }
  next_cap_check_ = cap && !over ? core::earliest_cap_reach(now, *cap - projected.credits, projected.per_minute)
                                 : core::TimePoint::max();
}

void Scheduler::maintain_journal() {
  Journal* journal = parts_.journal.get();
  if (journal == nullptr) return;
  if (journal->wants_compaction()) {
    std::vector<std::string> records;
    for (const auto& s : parts_.registry.kept()) {
      for (auto& r : s->journal_snapshot()) records.push_back(std::move(r));
    }
    journal->rewrite(records);
  }
  const bool full = journal->full();
  if (full == journal_full_) return;
  journal_full_ = full;
  parts_.logger.log(full ? LogLevel::error : LogLevel::info,
                    full ? "usage journal full (" + std::to_string(journal->size()) +
                               " bytes): sessions pause rather than risk losing usage"
                         : "usage journal has room again: sessions resume");
  for (const auto& s : parts_.registry.kept()) {
    s->set_local_hold(Reason::journal_full, full);
    s->deliver_events();
  }
}

}  // namespace detail
}  // namespace creditmeter

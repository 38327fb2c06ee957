// Session::record (docs/CREDITS.md "Usage events"): the one SessionImpl call on the path of
// a usage event that runs on the user's thread. It checks the input, mints the id, appends the
// event to the session's machine under the session's lock (no I/O; no allocation once the
// session has seen the action: the event holds its id inline and its action as an index, in
// storage the session keeps, see core::EventLane), and asks the scheduler to step the session
// in time to journal it within 100 ms: only for the first event since the session's last
// step, and waking the scheduler only when it would sleep past that. The C++ signature returns
// the id as a std::string (one allocation, 36 characters); the C ABI's path has none.

#include <time.h>

#include <chrono>
#include <cmath>

#include "core/printable.hpp"
#include "creditmeter/errors.hpp"
#include "scheduler.hpp"
#include "session_impl.hpp"
#include "uuid.hpp"

namespace creditmeter {
namespace detail {

using std::chrono::milliseconds;

namespace {
// The largest quantity record() takes: its thousandths stay exact integers (2^53) everywhere.
constexpr double kMaxEventQuantity = 1e12;
// A recorded event waits at most this long for the scheduler to journal it (the promise is
// 100 ms): rounded up to a 50 ms grid, so that sessions recording at once share one turn and
// one group commit.
core::TimePoint journal_step_at(core::TimePoint now) {
  const core::TimePoint grid = core::kEventJournalDelay;
  const core::TimePoint t = now + grid;
  return t - t % grid + (t % grid == core::TimePoint::zero() ? core::TimePoint::zero() : grid);
}
// The event's `at`: the wall clock to the jiffy (a few ms), which is all a usage time in
// milliseconds needs, at a quarter of a precise read's cost on a VM (~15 ns against ~64 ns
// here; bench_events holds record() to 3x a mutex-guarded push).
std::int64_t wall_ms_coarse() {
#ifdef CLOCK_REALTIME_COARSE
  timespec ts;
  if (clock_gettime(CLOCK_REALTIME_COARSE, &ts) == 0) {
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  }
#endif
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

void SessionImpl::record(std::string_view action, double quantity, char id[36]) {
  check_usable();
  if (!metered_) {
    throw InvalidArgument("record(): session " + id_ + " is audio-only: audio-only sessions are free and offline, "
                          "they carry no usage events");
  }
  if (action.empty()) throw InvalidArgument("record(): the action is empty; name what was used, e.g. \"llm_gpt4\"");
  if (action.size() > 64) {
    throw InvalidArgument("record(): the action is " + std::to_string(action.size()) +
                          " bytes long; at most 64 are allowed");
  }
  if (action.find('\0') != std::string_view::npos) throw InvalidArgument("record(): the action contains a NUL byte");
  if (std::isnan(quantity) || std::isinf(quantity) || quantity < 0) {
    throw InvalidArgument("record(): the quantity of \"" + core::printable(std::string(action)) +
                          "\" must be a finite number >= 0");
  }
  if (quantity > kMaxEventQuantity) {
    throw InvalidArgument("record(): the quantity of \"" + core::printable(std::string(action)) + "\" is over 1e12");
  }
  random_uuid(id);
  const core::EventId event_id(std::string_view(id, 36));
  const std::int64_t quantity_milli = std::llround(quantity * 1000.0);
  const std::int64_t at_ms = wall_ms_coarse();
  core::TimePoint now;
  bool changed, poke;
  std::shared_ptr<SessionImpl> self;  // set when this event changes the state (see user_change)
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (final_ms_ >= 0) {
      throw InvalidArgument("record(): session " + id_ + " is stopped; record its usage before stop()");
    }
    // The first event since the session's last step reads the clock; the next ones until the
    // step (due within 100 ms) share its time. The machine uses it for due times only (the
    // journal's 100 ms, the batch delay, the cap's next check), which an earlier time can
    // only bring forward; a precise clock read per event was a fifth of record()'s cost on a
    // VM (bench_events).
    poke = !events_poked_;
    events_poked_ = true;
    if (poke) events_stamp_ = context_.clock->now();
    now = events_stamp_;
    const SessionState before = machine_.state();
    machine_.record_event(now, core::RecordedEvent{event_id, action, quantity_milli, at_ms}, total_ms_locked());
    changed = machine_.state() != before;  // a spending cap this event crossed pauses now
    if (changed) {
      after_change_locked();
      // No callback of this change runs before the lock is released: taking the reference
      // now keeps the session alive while notify() runs, even if that callback frees it.
      self = shared_from_this();
    }
  }
  if (changed) {
    notify();
  } else if (poke) {
    context_.scheduler->poke_at(shared_from_this(), journal_step_at(now));
  }
}

std::string SessionImpl::record(const std::string& action, double quantity) {
  std::string id(36, '-');
  record(std::string_view(action), quantity, &id[0]);
  return id;
}

}  // namespace detail
}  // namespace creditmeter

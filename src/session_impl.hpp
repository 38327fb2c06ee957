#pragma once
// The shared state of one session: its meter (renderer thread), its state machine (under
// `mutex_`), and the queue of transitions its callback has yet to see. Owned jointly by the
// user's Session handle and, while it has something to send, by the scheduler.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/session_machine.hpp"
#include "creditmeter/credits.hpp"
#include "creditmeter/detail/frame_meter.hpp"
#include "creditmeter/state.hpp"
#include "creditmeter/stats.hpp"

namespace creditmeter {
namespace detail {

class CallbackThread;
class Logger;
class Scheduler;
class SessionRegistry;

// What a session uses of its Client. `owner` keeps the rest alive: a Session may outlive
// its Client object, never the parts it uses.
struct SessionContext {
  std::shared_ptr<void> owner;
  Clock* clock = nullptr;
  Scheduler* scheduler = nullptr;
  CallbackThread* callbacks = nullptr;
  SessionRegistry* registry = nullptr;
  const Logger* logger = nullptr;
  unsigned fork_generation = 0;  // fork() guard: a child must create its own Client
};

class SessionImpl : public std::enable_shared_from_this<SessionImpl> {
 public:
  struct Callbacks {
    StateChangeCallback on_state_change;
    BalanceCallback on_balance;
    BalanceCallback on_low_balance;
    EventRejectedCallback on_event_rejected;
  };
  // A metered session, or an audio-only one (`metered` false: its machine is
  // SessionMachine::audio_only, it is never billed and has no scheduler).
  SessionImpl(SessionContext context, std::string id, core::SessionMachine machine, bool metered,
              Callbacks callbacks, std::chrono::milliseconds idle_after);

  ~SessionImpl();  // its stats join the client's usage() tally
  const std::string& id() const { return id_; }
  // Throws InvalidArgument in a fork()ed child (where inherited locks may never be freed).
  void check_usable() const;
  bool in_forked_child() const;
  FrameMeter meter;

  // --- any thread -------------------------------------------------------------------
  void pause();
  void resume();
  void stop();
  // Client shutdown: stop(), and the release goes beside the pending usage events.
  void stop_for_shutdown();
  SessionState state() const;
  Reason reason() const;
  SessionStats stats() const;
  // Session::record: validates, then appends in memory (a short lock, no I/O); pokes the
  // scheduler only when it must journal this session's events within 100 ms and has not been
  // asked to yet. Returns the event id.
  std::string record(const std::string& action, double quantity);
  // The same, the id written into `id` (36 characters, no NUL): once the session has seen the
  // action, no allocation (cm_session_record; bench/alloc_test.cpp holds it to that).
  void record(std::string_view action, double quantity, char id[36]);
  void set_event_rejected_callback(EventRejectedCallback callback);
  void set_callback(StateChangeCallback callback);
  void set_balance_callback(BalanceCallback callback, bool low_balance);
  void set_max_credits(std::optional<double> max_credits);
  // For the client's spending cap: credits charged plus the cost of unbilled usage, and how
  // fast that can grow unseen by the scheduler: the session's rate while it may render (only
  // frame() moves the meter then), 0 otherwise (only a step or a user's call, which the
  // scheduler sees, lets it render again).
  struct CreditProjection {
    double credits = 0;
    double per_minute = 0;
  };
  CreditProjection credit_projection() const;
  // ~Session: no callback runs after this returns (waits for one running on another thread).
  void detach_callbacks();
  // Callbacks are held from construction until this: a session's first callback runs only
  // after its start_session() has returned (and its C handle is filled in).
  void open_callbacks();
  // Any thread, outside SDK locks: hands queued events to their thread (the client's
  // callback thread; the calling thread for audio-only sessions, which have none).
  void deliver_events();
  const std::shared_ptr<void>& owner() const { return context_.owner; }
  // For flush(): the meter's total and the events recorded now, and a request to send them at once.
  struct FlushTarget {
    std::int64_t active_ms = 0;
    std::uint64_t events = 0;
  };
  FlushTarget flush_target();
  // The OS's reachability hint (Client::network_changed); the caller pokes the scheduler.
  void network_changed(bool reachable);
  bool delivered(const FlushTarget& target) const;

  // Before the scheduler has it (start_session): when the scheduler must first step this
  // session. At once when it has a callback to run or a line to log; otherwise at its
  // machine's next wake-up (its first heartbeat), so a start need not wake the scheduler.
  core::TimePoint first_step_at() const;

  // --- scheduler thread -------------------------------------------------------------
  // What the machine decided in one step. `stepped` false: only an answer was taken (an
  // aborted request at shutdown), nothing about the next request was decided.
  struct Step {
    bool stepped = true;
    std::optional<core::Outgoing> request;
    std::optional<core::Outgoing> events;  // a batch of usage events (their own lane)
    std::string token;  // to authorize `request` and `events`
    std::chrono::milliseconds interval{60000};
    core::TimePoint next_wakeup{};
    bool finished = false;
    std::vector<core::LogLine> logs;
    std::vector<core::JournalOp> journal;
  };
  Step step(core::TimePoint now, std::int64_t wall_ms);
  // The answer to the request on the wire and, unless `then_step` is false, the next step:
  // one lock, one publish.
  Step answer(core::TimePoint now, std::int64_t wall_ms, const core::Answer& answer, bool then_step);
  void set_local_hold(Reason reason, bool on);
  // The records that rebuild this session in a compacted journal.
  std::vector<std::string> journal_snapshot() const;

  // --- the callback thread (or the caller, audio-only) --------------------------------
  // Runs the queued events through the callbacks, outside every SDK lock.
  void dispatch_changes(const Logger& logger);
  std::int64_t unacknowledged_ms() const;
  std::uint64_t timer_generation = 0;  // stale timer entries are skipped
  core::TimePoint timer_at = core::TimePoint::max();

 private:
  std::int64_t total_ms_locked() const;
  void after_change_locked();  // publishes the gate and queues the transitions
  void fill_step_locked(core::TimePoint now, std::int64_t wall_ms, Step& out);
  // Logs an audio-only session's lines, wakes the scheduler (metered), delivers events.
  void notify(std::vector<core::LogLine> logs = {});
  std::vector<core::LogLine> local_logs_locked();  // audio-only: the machine's lines
  // A user's call (pause, resume, stop, a cap): `change` runs under the lock and returns
  // whether it changed anything; then the state is published and the scheduler poked.
  template <typename Change>
  void user_change(Change&& change);

  const SessionContext context_;
  const std::string id_;
  const bool metered_;

  mutable std::mutex mutex_;
  core::SessionMachine machine_;  // the one state: state() and the gate are read from it
  std::int64_t final_ms_ = -1;  // frozen at stop(): stats() then match the release exactly
  // Transitions and balance events, in order, for the callbacks.
  struct Event {
    enum class Kind { state, balance, low_balance, event_rejected } kind;
    StateChange change;
    BalanceUpdate balance;
    RejectedEvent rejected;
  };
  std::vector<Event> queued_;
  bool posted_ = false;           // queued_ is with the callback thread already
  bool callbacks_open_ = false;   // see open_callbacks()
  bool events_poked_ = false;     // the scheduler was asked to step us for recorded events
  core::TimePoint events_stamp_{};  // the clock at the first record() since that (see record())

  // The callback and its gate: ~Session must not return while the callback runs.
  mutable std::mutex callback_mutex_;
  std::condition_variable callback_idle_;
  Callbacks callbacks_;
  bool detached_ = false;
  int running_callbacks_ = 0;
  std::thread::id dispatching_thread_;
};

}  // namespace detail
}  // namespace creditmeter

#pragma once
// The shared state of one session: its meter (renderer thread), its state machine (under
// `mutex_`), and the queue of transitions its callback has yet to see. Owned jointly by the
// user's Session handle and, while it has something to send, by the scheduler.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/session_machine.hpp"
#include "creditmeter/credits.hpp"
#include "creditmeter/detail/frame_meter.hpp"
#include "creditmeter/state.hpp"
#include "creditmeter/stats.hpp"

namespace creditmeter {
namespace detail {

class ClientCore;
class Logger;

class SessionImpl : public std::enable_shared_from_this<SessionImpl> {
 public:
  // A metered session (machine given) or an audio-only one (no machine: never billed).
  struct Callbacks {
    StateChangeCallback on_state_change;
    BalanceCallback on_balance;
    BalanceCallback on_low_balance;
  };
  SessionImpl(std::shared_ptr<ClientCore> core, std::string id,
              std::optional<core::SessionMachine> machine, Callbacks callbacks,
              std::chrono::milliseconds idle_after);

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
  SessionState state() const;
  Reason reason() const;
  SessionStats stats() const;
  void set_callback(StateChangeCallback callback);
  void set_balance_callback(BalanceCallback callback, bool low_balance);
  void set_max_credits(std::optional<double> max_credits);
  // For the client's spending cap: credits charged plus the cost of unbilled usage.
  double projected_credits() const;
  // ~Session: no callback runs after this returns (waits for one running on another thread).
  void detach_callbacks();
  // For flush(): the meter's total now, and a request to send it at once.
  std::int64_t flush_target();
  bool delivered(std::int64_t target_ms) const;
  bool metered() const { return machine_.has_value(); }

  // Before the scheduler has it (start_session): when the scheduler must first step this
  // session. At once when it has a callback to run or a line to log; otherwise at its
  // machine's next wake-up (its first heartbeat), so a start need not wake the scheduler.
  core::TimePoint first_step_at() const;

  // --- scheduler thread -------------------------------------------------------------
  struct Step {
    std::optional<core::Outgoing> request;
    std::string token;  // to authorize `request`
    std::chrono::milliseconds interval{60000};
    core::TimePoint next_wakeup{};
    bool finished = false;
    std::vector<core::LogLine> logs;
    std::vector<core::JournalOp> journal;
  };
  Step step(core::TimePoint now, std::int64_t wall_ms);
  Step on_answer(core::TimePoint now, const core::Answer& answer);
  void set_local_hold(Reason reason, bool on);
  // The records that rebuild this session in a compacted journal.
  std::vector<std::string> journal_snapshot() const;
  // Runs the queued transitions through the callback, outside every SDK lock.
  void dispatch_changes(const Logger& logger);
  std::int64_t unacknowledged_ms() const;
  std::uint64_t timer_generation = 0;  // stale timer entries are skipped
  core::TimePoint timer_at = core::TimePoint::max();

 private:
  std::int64_t total_ms_locked() const;
  void after_change_locked();  // publishes the gate and queues the transitions
  void notify();               // wakes the scheduler (or runs callbacks, audio-only)

  const std::shared_ptr<ClientCore> core_;
  const std::string id_;

  mutable std::mutex mutex_;
  std::optional<core::SessionMachine> machine_;
  // Audio-only sessions have no machine: their holds live here.
  bool local_paused_ = false;
  bool local_stopped_ = false;
  std::int64_t final_ms_ = -1;  // frozen at stop(): stats() then match the release exactly
  // Transitions and balance events, in order, for the callbacks.
  struct Event {
    enum class Kind { state, balance, low_balance } kind;
    StateChange change;
    BalanceUpdate balance;
  };
  std::vector<Event> queued_;
  SessionState published_ = SessionState::active;

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

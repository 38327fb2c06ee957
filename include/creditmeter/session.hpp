#pragma once
// A metered avatar session. Created by Client::start_session().

#include "creditmeter/export.h"

#include <memory>
#include <string>

#include <optional>

#include "creditmeter/credits.hpp"
#include "creditmeter/detail/frame_meter.hpp"
#include "creditmeter/state.hpp"
#include "creditmeter/stats.hpp"

namespace creditmeter {

namespace detail {
class SessionImpl;
struct Access;
}  // namespace detail

class CREDITMETER_API Session {
 public:
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  // = stop(). After it returns, no callback of this session runs.
  ~Session();

  std::string id() const;

  // Once per rendered frame, from the renderer thread (one per session). Never blocks,
  // never allocates, never throws: an atomic load, a coarse clock read, an atomic store.
  void frame() noexcept { meter_->frame(); }
  // Whether the avatar may render now (state is active). One atomic load.
  bool may_render() const noexcept { return meter_->may_render(); }

  // Thread-safe; none does network or disk I/O and each returns at once.
  void pause();   // paused_by_user until resume()
  void resume();  // active at once unless billing or connectivity still holds it
  void stop();    // final; the scheduler sends the release with the final usage

  // A usage event: `quantity` units of `action` (e.g. "llm_gpt4", 1; "tts_seconds", 12.5),
  // charged at the account's price for it (docs/CREDITS.md). Returns the event's id (a UUID,
  // never changed: the server charges each id once, ever). Any thread; never blocks on I/O:
  // the event is appended in memory, journaled within 100 ms and sent in a batch.
  // Accepted in every state but two: InvalidArgument on a stopped session and on an
  // audio-only one; and for an empty action, one over 64 characters, or a quantity that is
  // NaN, infinite or negative. The quantity is rounded to thousandths (milli-units).
  std::string record(const std::string& action, double quantity = 1.0);

  SessionState state() const;
  Reason reason() const;  // the reason of the latest transition
  SessionStats stats() const;

  // Replaces the state-change callback (runs on the client's callback thread, never under an
  // SDK lock). Pass nullptr to remove it.
  void on_state_change(StateChangeCallback callback);
  // Replace the balance callbacks (see SessionOptions); nullptr removes them.
  void on_balance(BalanceCallback callback);
  void on_low_balance(BalanceCallback callback);
  // Replaces the rejected-event callback (see SessionOptions); nullptr removes it.
  void on_event_rejected(EventRejectedCallback callback);
  // Sets or removes (nullopt) this session's spending cap; raising it resumes the session.
  void set_max_credits(std::optional<double> max_credits);

 private:
  friend struct detail::Access;
  explicit Session(std::shared_ptr<detail::SessionImpl> impl);
  std::shared_ptr<detail::SessionImpl> impl_;
  detail::FrameMeter* meter_;
};

}  // namespace creditmeter

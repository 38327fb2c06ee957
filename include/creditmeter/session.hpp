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

  SessionState state() const;
  Reason reason() const;  // the reason of the latest transition
  SessionStats stats() const;

  // Replaces the state-change callback (runs on the scheduler thread, never under an
  // SDK lock). Pass nullptr to remove it.
  void on_state_change(StateChangeCallback callback);
  // Replace the balance callbacks (see SessionOptions); nullptr removes them.
  void on_balance(BalanceCallback callback);
  void on_low_balance(BalanceCallback callback);
  // Sets or removes (nullopt) this session's spending cap; raising it resumes the session.
  void set_max_credits(std::optional<double> max_credits);

 private:
  friend struct detail::Access;
  explicit Session(std::shared_ptr<detail::SessionImpl> impl);
  std::shared_ptr<detail::SessionImpl> impl_;
  detail::FrameMeter* meter_;
};

}  // namespace creditmeter

#pragma once
// The one list of a Client's sessions. Every session is in it from its start until its
// destructor (audio-only and recovered ones included), for usage() and shutdown; a session
// the scheduler still has work for (a metered one until its release is acknowledged) is also
// *kept* alive here, so usage is delivered even after the user dropped its Session handle.
// Any thread; never calls out while locked.

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "creditmeter/credits.hpp"
#include "creditmeter/stats.hpp"

namespace creditmeter {
namespace detail {

class SessionImpl;

class SessionRegistry {
 public:
  using SessionPtr = std::shared_ptr<SessionImpl>;

  // `keep`: the scheduler has work for it (held alive until finish()).
  void add(const SessionPtr& session, bool keep);
  // Every live session.
  std::vector<SessionPtr> all() const;
  // The sessions the scheduler has work for.
  std::vector<SessionPtr> kept() const;
  // The scheduler is done with `session`: returns the reference it held, for the caller to
  // drop outside any lock (it may be the last one: ~SessionImpl calls retire()).
  SessionPtr finish(const SessionImpl* session);
  // Shutdown: the scheduler lets go of every kept session at once (returned, as finish()).
  std::vector<SessionPtr> finish_all();
  // ~SessionImpl: its last stats join the retired tally and it leaves the list.
  void retire(const SessionImpl* session, const SessionStats& last);
  // Retired tally plus every live session's stats.
  ClientUsage usage() const;

 private:
  struct Entry {
    std::weak_ptr<SessionImpl> weak;
    SessionPtr keep;
  };
  mutable std::mutex mutex_;
  std::unordered_map<const SessionImpl*, Entry> sessions_;
  ClientUsage retired_;
};

}  // namespace detail
}  // namespace creditmeter

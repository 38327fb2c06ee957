#include "session_registry.hpp"

#include "session_impl.hpp"

namespace creditmeter {
namespace detail {

namespace {

void add_to_usage(ClientUsage& u, const SessionStats& st) {
  ++u.sessions;
  u.active_ms += st.active_ms;
  u.reported_ms += st.reported_ms;
  u.credits_charged += st.credits_charged;
  u.heartbeats_ok += st.heartbeats_ok;
  u.heartbeats_failed += st.heartbeats_failed;
  u.events_recorded += st.events_recorded;
  u.events_acknowledged += st.events_acknowledged;
  u.events_rejected += st.events_rejected;
  u.events_credits_charged += st.events_credits_charged;
}

}  // namespace

void SessionRegistry::add(const SessionPtr& session, bool keep) {
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_[session.get()] = Entry{session, keep ? session : nullptr};
}

std::vector<SessionRegistry::SessionPtr> SessionRegistry::all() const {
  std::vector<SessionPtr> out;
  std::lock_guard<std::mutex> lock(mutex_);
  out.reserve(sessions_.size());
  for (const auto& entry : sessions_) {
    if (auto s = entry.second.weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

std::vector<SessionRegistry::SessionPtr> SessionRegistry::kept() const {
  std::vector<SessionPtr> out;
  std::lock_guard<std::mutex> lock(mutex_);
  out.reserve(sessions_.size());
  for (const auto& entry : sessions_) {
    if (entry.second.keep) out.push_back(entry.second.keep);
  }
  return out;
}

SessionRegistry::SessionPtr SessionRegistry::finish(const SessionImpl* session) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = sessions_.find(session);
  if (it == sessions_.end()) return nullptr;
  return std::move(it->second.keep);
}

std::vector<SessionRegistry::SessionPtr> SessionRegistry::finish_all() {
  std::vector<SessionPtr> out;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& entry : sessions_) {
    if (entry.second.keep) out.push_back(std::move(entry.second.keep));
  }
  return out;
}

void SessionRegistry::retire(const SessionImpl* session, const SessionStats& last) {
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_.erase(session);
  add_to_usage(retired_, last);
}

ClientUsage SessionRegistry::usage() const {
  ClientUsage u;
  std::vector<SessionPtr> live;
  {
    // One snapshot: a session missing from `live` retired before it (it is in the tally),
    // and those in `live` cannot retire while we hold them.
    std::lock_guard<std::mutex> lock(mutex_);
    u = retired_;
    for (const auto& entry : sessions_) {
      if (auto s = entry.second.weak.lock()) live.push_back(std::move(s));
    }
  }
  // Stats are read outside the registry's lock: stats() takes the session's own.
  for (const auto& s : live) add_to_usage(u, s->stats());
  return u;
}

}  // namespace detail
}  // namespace creditmeter

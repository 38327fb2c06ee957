#pragma once
// A Client's implementation: it assembles the client's parts (resolved options, clock,
// logger, wire, transport, journal, session registry, callback thread, scheduler), runs the
// synchronous calls (start_session's token exchange, credit_summary) on the caller's thread,
// and shuts the parts down in order. Sessions co-own it, so a Session may outlive its
// Client. docs/ARCHITECTURE.md draws the parts and how they connect.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "callback_thread.hpp"
#include "creditmeter/client.hpp"
#include "creditmeter/options.hpp"
#include "journal.hpp"
#include "logger.hpp"
#include "scheduler.hpp"
#include "session_registry.hpp"
#include "transport.hpp"
#include "wire.hpp"

namespace creditmeter {
namespace detail {

class SessionImpl;

class ClientImpl : public std::enable_shared_from_this<ClientImpl> {
 public:
  // Validates and resolves `options` (env fallbacks); the transport is the app's
  // (options.transport) or libcurl.
  static std::shared_ptr<ClientImpl> create(ClientOptions options);
  ~ClientImpl();

  // The session's callbacks are held until the caller calls open_callbacks() on it, once
  // its handle exists (see SessionImpl::open_callbacks).
  // The waiting calls end early when `stop` is requested or shutdown() runs (Interrupted;
  // flush: false); see include/creditmeter/stop_token.hpp.
  std::shared_ptr<SessionImpl> start_session(SessionOptions options, const StopToken& stop = {});
  CreditSummary credit_summary(const StopToken& stop = {});
  std::int64_t estimate(const std::string& model, const std::string& surface, const StopToken& stop = {});
  ClientUsage usage() const { return registry_.usage(); }
  void set_max_credits(std::optional<double> max_credits);
  void network_changed(bool reachable);
  bool flush(std::chrono::milliseconds timeout, const StopToken& stop = {});
  // Interrupts the calls in progress and waits for them to leave, then stops every session
  // and drains; all of it within shutdown_timeout. Idempotent.
  void shutdown();

 private:
  class Call;
  // A start interrupted after its token exchange may have reached the server: the session the
  // server may have made is re-attached and released with 0 ms, like a dead process's
  // session (journalled first, so a crash before then leaves it to the next Client).
  void release_unclaimed(const std::string& session_id, const std::string& model, const std::string& surface);
  // Interrupted for `what`, saying who stopped it.
  Interrupted interrupted(const std::string& what) const;
  explicit ClientImpl(ClientOptions options);
  // True in a fork()ed child: inherited SDK locks may be held by threads that do not exist
  // there, so inherited objects must neither lock nor join (docs/LIFECYCLE.md).
  bool in_forked_child() const;
  void check_usable() const;
  SessionContext session_context();
  // Opens the journal for `account` (once) and recovers what dead processes left in it.
  void open_journal(const std::string& account);
  double random01();

  const ClientOptions options_;  // resolved; the secret lives in wire_ only
  const std::shared_ptr<Clock> clock_;
  const Logger logger_;
  const Wire wire_;
  const std::shared_ptr<Transport> transport_;
  JournalSlot journal_;
  SessionRegistry registry_;
  CallbackThread callbacks_;
  Scheduler scheduler_;
  const unsigned fork_generation_;

  std::mutex random_mutex_;
  std::mt19937_64 prng_;
  mutable std::mutex shutdown_mutex_;
  bool shut_down_ = false;

  StopSource closing_;  // requested by shutdown(): every Call in progress stops
  std::mutex calls_mutex_;
  std::condition_variable calls_left_;
  int calls_ = 0;             // Calls in progress
  bool calls_abandoned_ = false;  // shutdown() stopped waiting for them (its deadline passed)
};

// Builds the public handles from their internals (the constructors are private).
struct Access {
  // `open`: the session's callbacks may run from now on (see SessionImpl::open_callbacks).
  static std::unique_ptr<Session> make_session(std::shared_ptr<SessionImpl> impl, bool open = true);
  // For a shell that must finish its own handle first (the C ABI fills in its cm_session):
  // a start whose callbacks stay held until open_callbacks().
  static std::unique_ptr<Session> start_session_held(Client& client, SessionOptions options);
  static void open_callbacks(Session& session);
  // For cm_session_record: SessionImpl's allocation-free record() (the public one returns a
  // std::string).
  static SessionImpl& impl(Session& session);
};

}  // namespace detail
}  // namespace creditmeter

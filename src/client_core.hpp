#pragma once
// The client's shared core: resolved options, the transport, the logger, the scheduler, and
// the synchronous calls (token exchange, credit summary). Sessions co-own it, so a Session
// may outlive its Client.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/session_machine.hpp"
#include "creditmeter/client.hpp"
#include "creditmeter/options.hpp"
#include "logger.hpp"
#include "scheduler.hpp"
#include "transport.hpp"

namespace creditmeter {
namespace detail {

class SessionImpl;
class Journal;

class ClientCore : public std::enable_shared_from_this<ClientCore> {
 public:
  // Validates and resolves `options` (env fallbacks). `transport` null: libcurl.
  static std::shared_ptr<ClientCore> create(ClientOptions options,
                                            std::shared_ptr<Transport> transport = nullptr);
  ~ClientCore();

  std::shared_ptr<SessionImpl> start_session(SessionOptions options);
  CreditSummary credit_summary();
  std::int64_t estimate(const std::string& model, const std::string& surface);
  ClientUsage usage() const;
  void set_max_credits(std::optional<double> max_credits);
  std::optional<double> max_credits() const;
  // A session's last stats, added to usage() when its last owner lets go of it.
  void retire(const SessionStats& stats);
  bool flush(std::chrono::milliseconds timeout);
  void shutdown();

  Clock& clock() const { return *clock_; }
  Transport& transport() const { return *transport_; }
  const Logger& logger() const { return *logger_; }
  Scheduler& scheduler() { return scheduler_; }

  bool has_token_provider() const { return static_cast<bool>(options_.token_provider); }
  // Runs the token provider and wraps its answer like an HTTP answer.
  HttpResponse provide_token(const std::string& session_id) const;
  HttpRequest build_request(const core::Outgoing& request, const std::string& token,
                            std::chrono::milliseconds interval) const;
  core::Answer read_answer(core::Outgoing::Kind kind, const HttpResponse& response,
                           std::int64_t wall_s) const;
  const std::string& base_url() const { return options_.base_url; }
  // True in a fork()ed child: inherited SDK locks may be held by threads that do not exist
  // there, so inherited objects must neither lock nor join (DESIGN.md "Process rules").
  bool in_forked_child() const;
  void check_usable() const;
  // The usage journal, or nullptr (disabled, unusable, or not open yet in secretless mode).
  Journal* journal() const { return journal_ptr_.load(std::memory_order_acquire); }

 private:
  ClientCore(ClientOptions options, std::shared_ptr<Transport> transport);
  // Opens the journal for `account` (once) and recovers what dead processes left in it.
  void open_journal(const std::string& account);
  core::TokenGrant exchange(const std::string& session_id, const std::string& model,
                            const std::string& surface);
  [[noreturn]] void throw_for(const HttpResponse& response, const std::string& action) const;
  double random01();

  ClientOptions options_;
  std::shared_ptr<Clock> clock_;
  std::unique_ptr<Logger> logger_;
  std::shared_ptr<Transport> transport_;
  Scheduler scheduler_;
  const unsigned fork_generation_;  // fork() guard: a child must create its own Client

  std::mutex random_mutex_;
  std::mt19937_64 prng_;

  std::mutex journal_mutex_;
  std::unique_ptr<Journal> journal_;
  std::atomic<Journal*> journal_ptr_{nullptr};

  std::mutex sessions_mutex_;
  std::vector<std::weak_ptr<SessionImpl>> sessions_;  // every session, audio-only included
  std::size_t prune_at_ = 64;  // sessions_.size() at which ended sessions are next pruned
  std::atomic<bool> shut_down_{false};
  mutable std::mutex usage_mutex_;
  ClientUsage retired_;
  std::optional<double> max_credits_;
};

// Builds the public handles from their internals (the constructors are private).
struct Access {
  static std::unique_ptr<Session> make_session(std::shared_ptr<SessionImpl> impl);
  static std::unique_ptr<Client> make_client(std::shared_ptr<ClientCore> core);
  static std::shared_ptr<ClientCore> core(Client& client) { return client.core_; }
  static std::shared_ptr<SessionImpl> impl(Session& session) { return session.impl_; }
};

}  // namespace detail
}  // namespace creditmeter

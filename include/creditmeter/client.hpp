#pragma once
// The entry point: one Client per account and server; it owns one scheduler thread that
// serves all of its sessions.

#include "creditmeter/export.h"

#include <chrono>
#include <memory>

#include <cstdint>
#include <optional>
#include <string>

#include "creditmeter/credit_summary.hpp"
#include "creditmeter/credits.hpp"
#include "creditmeter/options.hpp"
#include "creditmeter/session.hpp"
#include "creditmeter/stop_token.hpp"

namespace creditmeter {

namespace detail {
class ClientImpl;
struct Access;
}  // namespace detail

class CREDITMETER_API Client {
 public:
  // Throws InvalidArgument for bad options (missing base_url, malformed URL, plain http to a
  // remote host, ...). Makes no network call and starts no thread.
  explicit Client(ClientOptions options = {});
  // close(). Another thread may be inside one of this Client's calls: it is woken as by
  // close() and ~Client waits for it to leave (at most shutdown_timeout). Starting a call
  // during or after ~Client is, as for any object, undefined.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The synchronous token exchange. Throws AuthenticationError, InsufficientCredits,
  // ConcurrencyLimitError, NetworkError or InvalidArgument. A refused start charges nothing
  // and starts no thread.
  std::unique_ptr<Session> start_session(SessionOptions options = {});
  // The same, interruptible: when `stop` is requested (or close() runs on another thread)
  // before it returns, it returns at once by throwing Interrupted, and any session the server
  // may have made for it is released in the background: no slot leaks, nothing is billed
  // (stop_token.hpp). A token provider, being the app's code, runs to its end.
  std::unique_ptr<Session> start_session(SessionOptions options, const StopToken& stop);

  // Sends all unreported usage (releases included) and waits up to `timeout` for the
  // server to acknowledge it. True when everything was acknowledged. Returns false at once
  // when called from a callback (the scheduler thread).
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The same, returning false at once when `stop` is requested (or close() runs on another
  // thread) while it waits; the usage goes on being delivered in the background.
  bool flush(std::chrono::milliseconds timeout, const StopToken& stop);

  // GET /v2/credit-summaries. Throws like start_session.
  CreditSummary credit_summary();
  // The same; throws Interrupted when `stop` is requested (or close() runs) before it returns.
  CreditSummary credit_summary(const StopToken& stop);

  // Whole minutes of runtime the balance buys for `model` on `surface`: the server's
  // estimate when it sends one, else floor(balance / rate) from the rate card (credits per
  // active minute: essence/cloud 2, expression/cloud 4, essence/self_hosted 1,
  // expression/self_hosted 2, expression/on_device 2). Throws InvalidArgument for a pair
  // neither knows, and like credit_summary() for the server call.
  std::int64_t estimate(const std::string& model, const std::string& surface);
  std::int64_t estimate(const std::string& model, const std::string& surface, const StopToken& stop);

  // The sum of the stats of every session this Client started.
  ClientUsage usage() const;

  // Sets or removes (nullopt) the spending cap over all sessions of this Client.
  void set_max_credits(std::optional<double> max_credits);

  // The OS's word on the network (NWPathMonitor, ConnectivityManager): true retries every
  // waiting request at once, so an avatar returns within a round trip of the network coming
  // back rather than after its backoff; false holds retries to a slow probe (every
  // min(5 s, interval): the OS can be wrong) until the next true. Never blocks; any thread.
  void network_changed(bool reachable);

  // Stops every session, delivers usage for at most shutdown_timeout, then aborts what is
  // still in flight and logs what stays undelivered. Calls in progress on other threads are
  // interrupted first (start_session, credit_summary and estimate throw Interrupted, flush
  // returns false), so the whole of close() keeps to shutdown_timeout. Idempotent, any thread
  // (a callback too). Afterwards calls that need the server throw InvalidArgument; sessions
  // stay usable (stats()) and may outlive the Client.
  void close();

 private:
  friend struct detail::Access;
  std::shared_ptr<detail::ClientImpl> impl_;
};

}  // namespace creditmeter

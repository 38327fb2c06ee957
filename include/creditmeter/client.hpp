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
  // Stops every session, delivers usage for at most shutdown_timeout, then aborts what is
  // still in flight and logs what stays undelivered. Sessions may outlive the Client.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The synchronous token exchange. Throws AuthenticationError, InsufficientCredits,
  // ConcurrencyLimitError, NetworkError or InvalidArgument. A refused start charges nothing
  // and starts no thread.
  std::unique_ptr<Session> start_session(SessionOptions options = {});

  // Sends all unreported usage (releases included) and waits up to `timeout` for the
  // server to acknowledge it. True when everything was acknowledged. Returns false at once
  // when called from a callback (the scheduler thread).
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // GET /v2/credit-summaries. Throws like start_session.
  CreditSummary credit_summary();

  // Whole minutes of runtime the balance buys for `model` on `surface`: the server's
  // estimate when it sends one, else floor(balance / rate) from the rate card (credits per
  // active minute: essence/cloud 2, expression/cloud 4, essence/self_hosted 1,
  // expression/self_hosted 2, expression/on_device 2). Throws InvalidArgument for a pair
  // neither knows, and like credit_summary() for the server call.
  std::int64_t estimate(const std::string& model, const std::string& surface);

  // The sum of the stats of every session this Client started.
  ClientUsage usage() const;

  // Sets or removes (nullopt) the spending cap over all sessions of this Client.
  void set_max_credits(std::optional<double> max_credits);

  // The OS's word on the network (NWPathMonitor, ConnectivityManager): true retries every
  // waiting request at once, so an avatar returns within a round trip of the network coming
  // back rather than after its backoff; false holds retries to a slow probe (every
  // min(5 s, interval): the OS can be wrong) until the next true. Never blocks; any thread.
  void network_changed(bool reachable);

 private:
  friend struct detail::Access;
  explicit Client(std::shared_ptr<detail::ClientImpl> impl);
  std::shared_ptr<detail::ClientImpl> impl_;
};

}  // namespace creditmeter

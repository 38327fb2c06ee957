#pragma once
// The wire seam: turns what a session wants sent (core::Outgoing) into an HTTP request for
// this client's server and credentials, and an HTTP response into a core::Answer. It knows
// URLs, headers and timeouts; core/protocol knows bodies and meanings; the transport only
// carries bytes. Also the synchronous calls' requests and the exceptions their refusals
// become. Immutable after construction: any thread may use it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/protocol.hpp"
#include "creditmeter/credit_summary.hpp"
#include "creditmeter/options.hpp"
#include "creditmeter/stop_token.hpp"
#include "transport.hpp"

namespace creditmeter {
namespace detail {

class Logger;

// A synchronous call ended by its StopToken; `request_sent`: the server may have acted on it
// (a token exchange may have made a session, which the Client then releases).
class CallInterrupted : public Interrupted {
 public:
  CallInterrupted(const std::string& message, bool sent) : Interrupted(message), request_sent(sent) {}
  bool request_sent;
};

class Wire {
 public:
  // `base_url` already validated (endpoint.hpp); `api_secret` may be empty with a provider.
  // `logger` (may be null) hears the warnings about what a server asked for and did not get;
  // a server's heartbeat interval is raised to `min_heartbeat_interval`.
  Wire(std::string base_url, std::string api_secret, TokenProvider token_provider,
       std::chrono::milliseconds request_timeout, const Logger* logger = nullptr,
       std::chrono::milliseconds min_heartbeat_interval = ClientOptions{}.min_heartbeat_interval);
  ~Wire();  // wipes the secret
  Wire(const Wire&) = delete;
  Wire& operator=(const Wire&) = delete;

  // The HTTP request for `out`; `token` authorizes heartbeats and releases. A heartbeat's
  // timeout is min(request_timeout, max(interval, 1 s)): a hung request must not outlive an
  // interval, the next attempt is better news.
  HttpRequest request(const core::Outgoing& out, const std::string& token,
                      std::chrono::milliseconds interval) const;
  // The one reading of a response to a request of `kind` (core::decode_answer).
  static core::Answer answer(core::Outgoing::Kind kind, const HttpResponse& response, std::int64_t wall_s);
  // answer(), then what this client will not take from a server for `session_id`: a token
  // exchange answered for another session is an authentication failure (never adopted), a
  // renewed token of another session is not adopted, and the heartbeat interval and grace
  // are raised to their floors. A token provider's unusable answer is said to be its own.
  core::Answer answer_for(const std::string& session_id, core::Outgoing::Kind kind, const HttpResponse& response,
                          std::int64_t wall_s) const;

  // Secretless mode: the app's backend mints tokens. provide_token() runs the provider and
  // wraps its answer like an HTTP 200 (or a failure without an answer) for answer().
  bool provides_tokens() const { return static_cast<bool>(token_provider_); }
  HttpResponse provide_token(const std::string& session_id) const;

  // --- the synchronous calls (the caller's thread) -------------------------------------
  // The token exchange at start: through the provider, or `transport.perform`. Throws the
  // typed error of a refusal (AuthenticationError, InsufficientCredits, ...), CallInterrupted
  // when `stop` ends the request (a token provider runs to its end: it is the app's code).
  core::TokenGrant exchange(Transport& transport, const std::string& session_id, const std::string& model,
                            const std::string& surface, const StopToken& stop = {}) const;
  // GET /v2/credit-summaries. Throws InvalidArgument in secretless mode, else like exchange().
  CreditSummary credit_summary(Transport& transport, const StopToken& stop = {}) const;

  const std::string& base_url() const { return base_url_; }
  const std::string& api_secret() const { return api_secret_; }

 private:
  [[noreturn]] void throw_for(const HttpResponse& response, const std::string& action) const;
  // The same for a refusal a token provider handed over: the server was never contacted.
  [[noreturn]] void throw_for_provider(const HttpResponse& response, const std::string& action) const;
  // Raises the interval and the grace of `grant` to their floors (logged once per client).
  void bound_timing(core::TokenGrant& grant) const;
  void warn(const std::string& message) const;

  const std::string base_url_;
  std::string api_secret_;
  const TokenProvider token_provider_;
  const std::chrono::milliseconds request_timeout_;
  const Logger* const logger_;
  const std::chrono::milliseconds min_heartbeat_interval_;
  mutable std::atomic<bool> timing_raised_logged_{false};
};

}  // namespace detail
}  // namespace creditmeter

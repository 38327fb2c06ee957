#pragma once
// A session's runtime token and its re-attach (docs/PROTOCOL.md): the token is renewed by
// every heartbeat answer, and adopted only when its JWT `exp` is later than the one held (an
// answer that arrives late must not roll it back). When the server refuses it (401
// TOKEN_EXPIRED / INVALID_TOKEN), the session re-exchanges with the same session id, which
// re-attaches to the same server-side session, retried with backoff until it succeeds.

#include <cstdint>
#include <string>

#include "core/retry_timer.hpp"
#include "core/time_point.hpp"

namespace creditmeter {
namespace core {

class TokenState {
 public:
  TokenState() = default;
  TokenState(TokenState&&) = default;
  ~TokenState();  // wipes the token: it is a bearer secret

  const std::string& token() const { return token_; }
  std::int64_t expires_at() const { return expires_at_; }
  // Takes `token` when `force` (a token exchange) or when its `exp` is later than the held
  // one's. The JWT's own `exp` is the truth; `expires_at` from the body is the fallback.
  void adopt(const std::string& token, std::int64_t expires_at, bool force);

  // --- re-attach ----------------------------------------------------------------------
  // The token was refused (or died with its process): re-exchange from `now` on, from the
  // first attempt.
  void require_reattach(TimePoint now);
  bool reattach_needed() const { return reattach_needed_; }
  // The re-exchange is on the wire; its answer is the next one.
  void reattach_sent() { reattach_on_wire_ = true; }
  // Whether the answer on the wire is the re-exchange's (and marks it answered).
  bool take_reattach_answer();
  // The re-exchange succeeded (the caller adopts its token).
  void reattached();
  RetryTimer& reattach_retry() { return reattach_retry_; }
  const RetryTimer& reattach_retry() const { return reattach_retry_; }

 private:
  std::string token_;
  std::int64_t expires_at_ = 0;
  bool reattach_needed_ = false;
  bool reattach_on_wire_ = false;
  RetryTimer reattach_retry_;
};

}  // namespace core
}  // namespace creditmeter

#pragma once
// The exceptions creditmeter throws. Every one derives from creditmeter::Error, itself a
// std::runtime_error, and its message says what happened and what to do about it. No
// message ever contains the API secret or a token.

#include "creditmeter/export.h"

#include <chrono>
#include <stdexcept>
#include <string>

namespace creditmeter {

class CREDITMETER_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, std::string code = {}, int http_status = 0,
                 std::chrono::milliseconds retry_after = std::chrono::milliseconds(0))
      : std::runtime_error(message), code_(std::move(code)), http_status_(http_status), retry_after_(retry_after) {}
  // The server's UPPER_SNAKE error code ("INSUFFICIENT_BALANCE"), empty when none.
  const std::string& code() const noexcept { return code_; }
  // The HTTP status of the answer, 0 when the request never got one.
  int http_status() const noexcept { return http_status_; }
  // How long the server asked the caller to wait (its Retry-After, on a 429 or 503), 0 when
  // it did not say.
  std::chrono::milliseconds retry_after() const noexcept { return retry_after_; }

 private:
  std::string code_;
  int http_status_;
  std::chrono::milliseconds retry_after_;
};

// The API secret (or the token provider's answer) was refused: invalid or revoked key.
class CREDITMETER_API AuthenticationError : public Error {
 public:
  using Error::Error;
};

// The account's balance is zero or below: top up credits.
class CREDITMETER_API InsufficientCredits : public Error {
 public:
  using Error::Error;
};

// The plan's concurrent-session limit is reached; limit() tells it (0 when unknown).
class CREDITMETER_API ConcurrencyLimitError : public Error {
 public:
  ConcurrencyLimitError(const std::string& message, int limit, std::string code = {},
                        int http_status = 0)
      : Error(message, std::move(code), http_status), limit_(limit) {}
  int limit() const noexcept { return limit_; }

 private:
  int limit_;
};

// The server could not be reached or answered unusably (timeouts, refused connections,
// TLS verification failures, 5xx, rate limits, malformed bodies).
class CREDITMETER_API NetworkError : public Error {
 public:
  using Error::Error;
};

// An option or argument is invalid (a malformed base_url, an empty model, ...), or the
// call is not allowed in this context (a Client used in a fork()ed child).
class CREDITMETER_API InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A call ended early by a StopToken or by Client::close() (include/creditmeter/stop_token.hpp);
// what() says which call and why.
class CREDITMETER_API Interrupted : public Error {
 public:
  using Error::Error;
};

}  // namespace creditmeter

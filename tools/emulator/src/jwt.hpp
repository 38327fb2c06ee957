// HS256 JSON Web Tokens (RFC 7519) for the runtime tokens. Only what the emulator needs:
// sign a fixed claim set, verify a signature and read the claims back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace creditmeter::emulator {

struct TokenClaims {
  std::string account_id;  // "sub"
  std::string session_id;  // "sid"
  std::int64_t issued_at;  // "iat", Unix seconds
  std::int64_t expires;    // "exp", Unix seconds
};

class JwtSigner {
 public:
  explicit JwtSigner(std::string key) : key_(std::move(key)) {}

  const std::string& key() const { return key_; }

  std::string sign(const TokenClaims& claims) const;

  // The claims of a token whose signature (and header, "alg":"HS256") are valid, whatever
  // its expiry: callers check "exp" themselves because an idempotent replay must be
  // answered before the expiry check.
  std::optional<TokenClaims> verify(const std::string& token) const;

 private:
  std::string key_;
};

// The claims of a token *without* checking its signature. Only for routing decisions that
// grant nothing (matching a fault rule to a session).
std::optional<TokenClaims> peek_claims(const std::string& token);

std::string base64url_encode(const std::string& bytes);
std::optional<std::string> base64url_decode(const std::string& text);

}  // namespace creditmeter::emulator

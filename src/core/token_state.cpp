#include "core/token_state.hpp"

#include <openssl/crypto.h>

#include "core/jwt.hpp"

namespace creditmeter {
namespace core {

TokenState::~TokenState() {
  if (!token_.empty()) OPENSSL_cleanse(&token_[0], token_.size());
}

void TokenState::adopt(const std::string& token, std::int64_t expires_at, bool force) {
  const std::int64_t exp = jwt_expiry(token).value_or(expires_at);
  if (force || exp > expires_at_) {
    if (!token_.empty()) OPENSSL_cleanse(&token_[0], token_.size());  // a released secret
    token_ = token;
    expires_at_ = exp;
  }
}

void TokenState::require_reattach(TimePoint now) {
  reattach_needed_ = true;
  reattach_retry_ = RetryTimer::ready_at(now);
}

bool TokenState::take_reattach_answer() {
  const bool was = reattach_on_wire_;
  reattach_on_wire_ = false;
  return was;
}

void TokenState::reattached() {
  reattach_needed_ = false;
  reattach_retry_.attempts = 0;
}

}  // namespace core
}  // namespace creditmeter

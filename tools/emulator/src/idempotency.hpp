// The idempotency store of one session (docs/PROTOCOL.md, "Idempotency"): the first answer
// to each Idempotency-Key, so that a retried heartbeat or release gets the stored answer
// byte for byte and is not charged again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include <nlohmann/json.hpp>

#include "call.hpp"

namespace creditmeter::emulator {

struct IdempotencyRecord {
  std::string key;
  std::string request;  // request_fingerprint() of the call it answered
  int status = 0;
  std::string response;
};

// What a request is, for telling a replay from a key reused with another body: the
// operation and the body as canonical JSON (nlohmann sorts members), so the order of fields
// in the request does not matter.
std::string request_fingerprint(Op op, const nlohmann::json& body);

class IdempotencyStore {
 public:
  // How many records a session keeps (its most recent keys). The protocol allows one
  // unacknowledged request per session, so a replay is always of a recent key.
  static constexpr std::size_t kWindow = 8;

  // The record of `key`, or nullptr when this key is new (or forgotten).
  const IdempotencyRecord* find(const std::string& key) const;

  // True when `seq` may be a replay whose record was already dropped: the window is full
  // and `seq` is older than every key it remembers. Refusing such a request is the only
  // answer that cannot bill twice. Keys are "<session_id>:<seq>".
  bool may_have_forgotten(std::int64_t seq) const;

  // Keeps `record`, dropping the oldest beyond the window.
  void remember(IdempotencyRecord record);

  const std::deque<IdempotencyRecord>& records() const { return records_; }

 private:
  std::deque<IdempotencyRecord> records_;  // oldest first
};

}  // namespace creditmeter::emulator

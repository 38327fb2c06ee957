#include "idempotency.hpp"

#include <algorithm>
#include <limits>

namespace creditmeter::emulator {
namespace {

// The seq of a key "<session_id>:<seq>". Stored keys were checked against their body's
// seq before they were remembered, so the text after the last colon is an integer.
std::int64_t seq_of_key(const std::string& key) { return std::stoll(key.substr(key.rfind(':') + 1)); }

}  // namespace

std::string request_fingerprint(Op op, const nlohmann::json& body) {
  return std::string(to_string(op)) + " " + body.dump();
}

const IdempotencyRecord* IdempotencyStore::find(const std::string& key) const {
  for (const auto& record : records_) {
    if (record.key == key) return &record;
  }
  return nullptr;
}

bool IdempotencyStore::may_have_forgotten(std::int64_t seq) const {
  if (records_.size() < kWindow) return false;  // nothing was dropped yet
  std::int64_t oldest = std::numeric_limits<std::int64_t>::max();
  for (const auto& record : records_) oldest = std::min(oldest, seq_of_key(record.key));
  return seq < oldest;
}

void IdempotencyStore::remember(IdempotencyRecord record) {
  records_.push_back(std::move(record));
  if (records_.size() > kWindow) records_.pop_front();
}

}  // namespace creditmeter::emulator

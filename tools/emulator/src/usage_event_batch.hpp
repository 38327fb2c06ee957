// The body of POST /v1/usage-events, read and validated strictly: any malformed part is a
// 400 INVALID_REQUEST for the whole batch that names the event and the field, so the
// ledger's arithmetic only ever sees well-formed events. Unknown actions are *not* refused
// here: that is a per-event answer inside the 2xx (usage_events.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reply.hpp"

namespace creditmeter::emulator {

// At most this many events per batch (the SDK never sends more).
inline constexpr std::size_t kMaxEventsPerBatch = 100;
// The largest quantity of one event, in units (10^9: a billion requests or ~31 years of
// seconds); with kMaxPriceMicro it bounds one event's charge (prices.hpp).
inline constexpr std::int64_t kMaxEventQuantityMilli = 1'000'000'000LL * 1000;

struct UsageEvent {
  std::string event_id;
  std::string action;
  std::int64_t quantity_milli = 0;  // rounded half away from zero to milli-units
};

struct UsageEventBatch {
  std::string session_id;
  std::vector<UsageEvent> events;
};

// A UUID in its textual form: 8-4-4-4-12 hexadecimal digits (either case).
bool valid_uuid(const std::string& text);

// Fills `batch` from `body` {session_id, events:[{event_id, action, quantity, at}]}, or
// returns the 400 to answer. `quantity`: a finite number >= 0 (at most 10^9), of which
// three decimals count (the SDK rounds to milli-units; a fourth is rounded here, half away
// from zero). `at`: an RFC 3339 timestamp, checked and not kept (the charge does not
// depend on it). Unknown fields are ignored (tolerant reader).
std::optional<Reply> read_usage_event_batch(const nlohmann::json& body, UsageEventBatch& batch);

}  // namespace creditmeter::emulator

// The server-set timing of the protocol: heartbeat interval, offline grace and token
// lifetime (docs/PROTOCOL.md), their wire form, and how POST /admin/config changes them.
// Kept in milliseconds inside so that tests can run with sub-second intervals.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "reply.hpp"

namespace creditmeter::emulator {

// The fastest timing POST /admin/config accepts (400 below).
inline constexpr double kMinHeartbeatIntervalS = 0.05;
inline constexpr double kMinOfflineGraceS = 0.1;

struct Timing {
  std::int64_t heartbeat_interval_ms = 60'000;
  std::int64_t offline_grace_ms = 300'000;
  std::int64_t token_ttl_ms = 300'000;

  // A slot is held until this long passes without a heartbeat (docs/PROTOCOL.md, "Slots").
  std::int64_t slot_hold_ms() const { return offline_grace_ms + 2 * heartbeat_interval_ms; }
};

// {heartbeat_interval_s, offline_grace_s, token_ttl_s}: whole seconds as integers, else
// fractions. The token exchange and /admin/config both answer with it.
nlohmann::json timing_as_seconds(const Timing& timing);

// POST /admin/config: sets the fields present in `body` (seconds, fractions allowed), keeps
// the others, and answers with the resulting timing. A request that changes nothing (a GET
// has an empty body) is not a mutation, so it is not logged.
Reply configure_timing(Timing& timing, const nlohmann::json& body);

}  // namespace creditmeter::emulator

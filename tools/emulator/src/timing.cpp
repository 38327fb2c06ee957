#include "timing.hpp"

#include <algorithm>

#include "fields.hpp"

namespace creditmeter::emulator {
namespace {

// Seconds for the wire: an integer when whole (60), else a fraction (0.5).
nlohmann::json ms_as_seconds(std::int64_t ms) {
  if (ms % 1000 == 0) return ms / 1000;
  return static_cast<double>(ms) / 1000.0;
}

}  // namespace

nlohmann::json timing_as_seconds(const Timing& timing) {
  return {{"heartbeat_interval_s", ms_as_seconds(timing.heartbeat_interval_ms)},
          {"offline_grace_s", ms_as_seconds(timing.offline_grace_ms)},
          {"token_ttl_s", ms_as_seconds(timing.token_ttl_ms)}};
}

Reply configure_timing(Timing& timing, const nlohmann::json& body) {
  FieldReader fields(body);
  const double kMaxSeconds = 366.0 * 24 * 3600;
  // Tests run in seconds, not in a busy loop: an interval below 50 ms or a grace below 100 ms
  // is refused (400), as a real server would never answer them (clients raise them anyway).
  const auto interval = fields.seconds_as_ms("heartbeat_interval_s", false, kMinHeartbeatIntervalS, kMaxSeconds);
  const auto grace = fields.seconds_as_ms("offline_grace_s", false, kMinOfflineGraceS, kMaxSeconds);
  const auto ttl = fields.seconds_as_ms("token_ttl_s", false, 0.001, kMaxSeconds);
  if (fields.failed()) return fields.error();
  if (interval) timing.heartbeat_interval_ms = *interval;
  if (grace) timing.offline_grace_ms = *grace;
  // A positive TTL that rounds to 0 ms would make every token born expired: 1 ms is the floor.
  if (ttl) timing.token_ttl_ms = std::max<std::int64_t>(*ttl, 1);
  Reply reply = success_reply(timing_as_seconds(timing));
  reply.mutated = interval || grace || ttl;
  return reply;
}

}  // namespace creditmeter::emulator

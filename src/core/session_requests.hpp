#pragma once
// What one session puts on the wire (docs/PROTOCOL.md): the token exchange that attaches it
// again, its heartbeats and its release. The machine decides when to send (session_machine.hpp);
// this part says what: each request's kind, seq, usage and body, all fixed from here on. The
// idempotency key is set by the outbox when a heartbeat or release is first sent
// (usage_outbox.hpp). It also holds the session's identity, the one thing every request names.

#include <cstdint>
#include <string>
#include <utility>

#include "core/protocol.hpp"

namespace creditmeter {
namespace core {

class SessionRequests {
 public:
  SessionRequests(std::string session_id, std::string model, std::string surface)
      : session_id_(std::move(session_id)), model_(std::move(model)), surface_(std::move(surface)) {}

  const std::string& session_id() const { return session_id_; }
  const std::string& model() const { return model_; }
  const std::string& surface() const { return surface_; }

  // The token exchange with this session's id: a re-attach after a refused token or a crash.
  Outgoing token_exchange() const;
  // `active_ms` of usage over the period from `period_start_ms` to `period_end_ms` (Unix ms).
  Outgoing heartbeat(std::uint64_t seq, std::int64_t active_ms, std::int64_t period_start_ms,
                     std::int64_t period_end_ms) const;
  // The last request of a stopped session, with the usage no heartbeat carried.
  Outgoing release(std::uint64_t seq, std::int64_t active_ms) const;

 private:
  std::string session_id_;
  std::string model_;
  std::string surface_;
};

}  // namespace core
}  // namespace creditmeter

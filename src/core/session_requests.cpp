#include "core/session_requests.hpp"

#include "core/time_format.hpp"

namespace creditmeter {
namespace core {

Outgoing SessionRequests::token_exchange() const {
  Outgoing out;
  out.kind = Outgoing::Kind::token_exchange;
  out.body = token_request_body(model_, surface_, session_id_);
  return out;
}

Outgoing SessionRequests::heartbeat(std::uint64_t seq, std::int64_t active_ms, std::int64_t period_start_ms,
                                    std::int64_t period_end_ms) const {
  Outgoing out;
  out.kind = Outgoing::Kind::heartbeat;
  out.seq = seq;
  out.active_ms = active_ms;
  out.body = heartbeat_body(session_id_, seq, active_ms, rfc3339_ms(period_start_ms), rfc3339_ms(period_end_ms));
  return out;
}

Outgoing SessionRequests::release(std::uint64_t seq, std::int64_t active_ms) const {
  Outgoing out;
  out.kind = Outgoing::Kind::release;
  out.seq = seq;
  out.active_ms = active_ms;
  out.body = release_body(session_id_, seq, active_ms);
  return out;
}

}  // namespace core
}  // namespace creditmeter

// libFuzzer target: the tolerant response parsers of src/core/protocol.cpp. Every input is a
// server body; each parser either returns or throws core::ProtocolError (parse_api_error never
// throws). Anything else escaping (a nlohmann exception, a crash, a sanitizer report) is a bug.

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/protocol.hpp"
#include "fuzz_check.hpp"

using namespace creditmeter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  try {
    const core::TokenGrant g = core::parse_token_grant(body);
    FUZZ_CHECK(!g.token.empty());
    FUZZ_CHECK(core::valid_session_id(g.session_id));
    FUZZ_CHECK(g.heartbeat_interval.count() > 0 && g.heartbeat_interval.count() <= 86400000);
    FUZZ_CHECK(g.offline_grace.count() > 0 && g.offline_grace.count() <= 86400000);
    FUZZ_CHECK(g.credits_per_minute >= 0);
  } catch (const core::ProtocolError&) {
  }
  try {
    (void)core::parse_usage_ack(body);
  } catch (const core::ProtocolError&) {
  }
  try {
    const CreditSummary s = core::parse_credit_summary(body);
    for (const auto& kv : s.estimated_minutes) FUZZ_CHECK(kv.second >= 0);
  } catch (const core::ProtocolError&) {
  }
  // The body is read the same whatever the status: parse once, classify every status that
  // has its own branch in classify().
  const core::ApiError e = core::parse_api_error(402, body);
  FUZZ_CHECK(e.http_status == 402);
  FUZZ_CHECK(e.message.size() <= 512);
  FUZZ_CHECK(e.limit >= 0);
  for (const int status : {0, 200, 401, 402, 403, 408, 418, 422, 429, 500}) (void)core::classify(status, e.code);
  return 0;
}

// SessionRequests (src/core/session_requests.cpp): what one session puts on the wire. The
// bodies' exact JSON is protocol_test.cpp's; here each request's kind, seq, usage and body
// fields, read back as JSON. When the machine sends them is session_machine_*_test.cpp's.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/session_requests.hpp"

namespace core = creditmeter::core;
using core::Outgoing;
using core::SessionRequests;
using nlohmann::json;

namespace {
const SessionRequests kRequests("sess-1", "flux-schnell", "canvas");
}  // namespace

TEST_CASE("the session's identity is the one every request names", "[unit][requests]") {
  CHECK(kRequests.session_id() == "sess-1");
  CHECK(kRequests.model() == "flux-schnell");
  CHECK(kRequests.surface() == "canvas");
}

TEST_CASE("a token exchange names the session, its model and surface, and carries no usage",
          "[unit][requests]") {
  const Outgoing ex = kRequests.token_exchange();
  CHECK(ex.kind == Outgoing::Kind::token_exchange);
  CHECK(ex.seq == 0);
  CHECK(ex.active_ms == 0);
  CHECK(ex.idempotency_key.empty());  // token exchanges carry none
  const json body = json::parse(ex.body);
  CHECK(body.at("session_id") == "sess-1");
  CHECK(body.at("model") == "flux-schnell");
  CHECK(body.at("surface") == "canvas");
  CHECK(body.at("client").at("name") == "creditmeter-cpp");
}

TEST_CASE("a heartbeat carries its seq, its usage and its period as RFC 3339 times", "[unit][requests]") {
  // 2024-01-01T00:00:00Z = 1704067200 s.
  const Outgoing hb = kRequests.heartbeat(7, 59'999, 1'704'067'200'000, 1'704'067'260'123);
  CHECK(hb.kind == Outgoing::Kind::heartbeat);
  CHECK(hb.seq == 7);
  CHECK(hb.active_ms == 59'999);
  CHECK(hb.idempotency_key.empty());  // set by the outbox when first sent
  const json body = json::parse(hb.body);
  CHECK(body.at("session_id") == "sess-1");
  CHECK(body.at("seq") == 7);
  CHECK(body.at("active_ms") == 59'999);
  CHECK(body.at("period_start") == "2024-01-01T00:00:00.000Z");
  CHECK(body.at("period_end") == "2024-01-01T00:01:00.123Z");
}

TEST_CASE("a release carries its seq and the usage no heartbeat carried", "[unit][requests]") {
  const Outgoing rel = kRequests.release(12, 4'321);
  CHECK(rel.kind == Outgoing::Kind::release);
  CHECK(rel.seq == 12);
  CHECK(rel.active_ms == 4'321);
  const json body = json::parse(rel.body);
  CHECK(body.at("session_id") == "sess-1");
  CHECK(body.at("seq") == 12);
  CHECK(body.at("active_ms") == 4'321);
  CHECK_FALSE(body.contains("period_start"));
}

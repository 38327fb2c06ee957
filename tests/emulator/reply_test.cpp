// Unit tests of reply.cpp: the protocol's success and error envelopes.
#include <catch2/catch.hpp>

#include "reply.hpp"

using namespace creditmeter::emulator;
using nlohmann::json;

TEST_CASE("success envelope: data, status and status_code", "[emulator][unit]") {
  const Reply reply = success_reply({{"balance", 5}}, 201);
  CHECK(reply.status == 201);
  CHECK_FALSE(reply.mutated);
  CHECK(json::parse(reply.body) == json{{"data", {{"balance", 5}}}, {"status", "success"}, {"status_code", 201}});
}

TEST_CASE("error envelope: code, message, httpStatus and extra fields", "[emulator][unit]") {
  const Reply reply = error_reply(403, "CONCURRENCY_LIMIT_REACHED", "full", {{"limit", 2}});
  CHECK(reply.status == 403);
  CHECK(json::parse(reply.body) ==
        json{{"error", {{"code", "CONCURRENCY_LIMIT_REACHED"}, {"message", "full"}, {"httpStatus", 403}, {"limit", 2}}},
             {"status", "error"},
             {"status_code", 403}});
  // Extra fields that are not an object are ignored.
  CHECK(json::parse(error_reply(400, "X", "m", json::array({1})).body)["error"].size() == 3);
}

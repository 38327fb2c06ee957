// Unit tests of fields.cpp: request bodies, typed field reads and session ids.
#include <catch2/catch.hpp>

#include "fields.hpp"

using namespace creditmeter::emulator;
using nlohmann::json;

namespace {

std::string message_of(const Reply& reply) { return json::parse(reply.body)["error"]["message"]; }

}  // namespace

TEST_CASE("request bodies: empty is {}, else a JSON object", "[emulator][unit]") {
  Reply error;
  CHECK(parse_body("", error) == json::object());
  CHECK(parse_body(" \r\n", error) == json::object());
  CHECK(parse_body(R"({"a":1})", error) == json{{"a", 1}});
  CHECK_FALSE(parse_body("{", error));
  CHECK(json::parse(error.body)["error"]["code"] == "INVALID_JSON");
  CHECK_FALSE(parse_body("[1]", error));
  CHECK(error.status == 400);
  CHECK(json::parse(error.body)["error"]["code"] == "INVALID_REQUEST");
}

TEST_CASE("session ids: 1-128 of [A-Za-z0-9._:-]", "[emulator][unit]") {
  CHECK(valid_session_id("A.b_c:d-1"));
  CHECK(valid_session_id(std::string(128, 'z')));
  CHECK_FALSE(valid_session_id(""));
  CHECK_FALSE(valid_session_id(std::string(129, 'z')));
  CHECK_FALSE(valid_session_id("has space"));
  CHECK_FALSE(valid_session_id("slash/"));
  CHECK_FALSE(valid_session_id("caf\xc3\xa9"));
}

TEST_CASE("field reader: absent optional fields are no failure, the first problem is named", "[emulator][unit]") {
  const json body = {{"name", "x"}, {"count", "3"}, {"n", 5.0}, {"big", 9.5e15}, {"flag", true}};
  FieldReader fields(body);
  CHECK(fields.text("name", true) == "x");
  CHECK_FALSE(fields.text("missing", false).has_value());
  CHECK_FALSE(fields.failed());
  CHECK(fields.integer("n", true, 0, 10) == 5);  // a whole float is an integer
  CHECK(fields.boolean("flag", true) == true);
  CHECK_FALSE(fields.integer("count", true, 0, 10).has_value());
  CHECK_FALSE(fields.integer("big", true, 0, 10).has_value());
  CHECK(fields.failed());
  CHECK(fields.error().status == 400);
  CHECK(message_of(fields.error()) == "field 'count' must be an integer");
}

// (FieldReader keeps a reference to its body: each body below is a named object.)
TEST_CASE("field reader: required, too long, out of range, credits and seconds", "[emulator][unit]") {
  {
    const json body = json::object();
    FieldReader fields(body);
    CHECK_FALSE(fields.text("id", true).has_value());
    CHECK(message_of(fields.error()) == "field 'id' is required");
  }
  {
    const json body = {{"id", "abcd"}};
    FieldReader fields(body);
    CHECK_FALSE(fields.text("id", true, 3).has_value());
    CHECK(message_of(fields.error()) == "field 'id' is too long");
  }
  {
    const json body = {{"seq", -1}};
    FieldReader fields(body);
    CHECK_FALSE(fields.integer("seq", true, 0, 9).has_value());
    CHECK(message_of(fields.error()) == "field 'seq' is out of range [0, 9]");
  }
  {
    const json body = {{"seq", std::uint64_t{1} << 63}};
    FieldReader fields(body);
    CHECK_FALSE(fields.integer("seq", true, 0, 9).has_value());
  }
  {
    const json body = {{"balance", 1.25}, {"interval", 0.5}, {"null", nullptr}};
    FieldReader fields(body);
    CHECK(fields.credits("balance", true) == 1'250);
    CHECK(fields.seconds_as_ms("interval", true, 0.1, 10) == 500);
    CHECK_FALSE(fields.credits("null", false).has_value());  // null is absent
    CHECK_FALSE(fields.failed());
    CHECK_FALSE(fields.seconds_as_ms("interval", true, 1, 10).has_value());
    CHECK(fields.failed());
  }
}

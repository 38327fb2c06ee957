// The JSON reader of server answers (src/core/json_reader.cpp): what RFC 8259 allows is read
// exactly, everything else is refused. tests/fuzz/fuzz_json_reader.cpp checks it against
// nlohmann on arbitrary bytes; these are the cases spelled out.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "core/json_reader.hpp"

using creditmeter::core::JsonDoc;
using Kind = JsonDoc::Kind;
using Status = JsonDoc::Status;

namespace {

JsonDoc read(const std::string& text, int cap = 32) {
  JsonDoc doc;
  const Status s = doc.parse(text, cap);
  INFO(text);
  REQUIRE(s == Status::ok);
  return doc;
}

Status verdict(const std::string& text, int cap = 32) {
  JsonDoc doc;
  const Status s = doc.parse(text, cap);
  if (s != Status::ok) CHECK(doc.empty());
  return s;
}

}  // namespace

TEST_CASE("json reader: an answer's values, flat, with their parents and keys", "[unit][protocol]") {
  const JsonDoc doc = read(R"( {"data":{"token":"t.o.k","balance":12.5,"n":null,"ok":true},"status_code":200} )");
  REQUIRE(doc.root().kind == Kind::object);
  const int data = doc.member(0, "data");
  REQUIRE(data > 0);
  CHECK(doc.at(data).kind == Kind::object);
  CHECK(doc.at(doc.member(data, "token")).text == "t.o.k");
  CHECK(doc.at(doc.member(data, "balance")).number == 12.5);
  CHECK(doc.at(doc.member(data, "n")).kind == Kind::null);
  CHECK(doc.at(doc.member(data, "ok")).boolean);
  CHECK(doc.at(doc.member(0, "status_code")).number == 200);
  CHECK(doc.member(0, "token") == -1);  // not a member of the root
  CHECK(doc.member(data, "missing") == -1);
  CHECK(doc.member(doc.member(data, "token"), "x") == -1);  // not an object
}

TEST_CASE("json reader: a repeated key reads as its last value", "[unit][protocol]") {
  const JsonDoc doc = read(R"({"a":1,"b":{"a":7},"a":{"x":2},"c":[{"a":9}],"a":3})");
  CHECK(doc.at(doc.member(0, "a")).number == 3);
  CHECK(doc.at(doc.member(doc.member(0, "b"), "a")).number == 7);
}

TEST_CASE("json reader: numbers as RFC 8259 writes them, converted exactly", "[unit][protocol]") {
  const JsonDoc doc = read(
      R"([0,-0,12,-3.25,1e3,1E+3,2.5e-3,18446744073709551615,123456789012345678901234567890,1e-400,-1e-400,5e-324])");
  std::vector<double> got;
  for (const auto& v : doc.values()) {
    if (v.kind == Kind::number) got.push_back(v.number);
  }
  const std::vector<double> want = {0, 0, 12, -3.25, 1000, 1000, 0.0025, 18446744073709551615.0,
                                    123456789012345678901234567890.0, 0, 0, 5e-324};
  CHECK(got == want);
  CHECK(std::signbit(got[10]));  // -1e-400 underflows to -0, as strtod reads it
  for (const char* bad : {"01", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "1.5.2", "NaN", "Infinity", "-01", "2e308"}) {
    INFO(bad);
    CHECK(verdict(std::string("[") + bad + "]") == Status::invalid);
  }
}

TEST_CASE("json reader: strings unescaped, UTF-8 checked", "[unit][protocol]") {
  const JsonDoc doc = read(R"(["a\"b\\c\/d\b\f\n\r\t", "\u0041\u00e9\u20ac\ud83d\ude00", "é€😀", "\u0000z"])");
  CHECK(doc.at(1).text == "a\"b\\c/d\b\f\n\r\t");
  CHECK(doc.at(2).text == "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  CHECK(doc.at(3).text == doc.at(2).text.substr(1));
  CHECK(doc.at(4).text == std::string("\0z", 2));
  const char* bad[] = {
      "[\"\\ud800\"]",        // a high surrogate alone
      "[\"\\ud800\\u0041\"]",  // ... followed by no low one
      "[\"\\udc00\"]",        // a low surrogate alone
      "[\"\\u12\"]",          // short escape
      "[\"\\x41\"]",          // no such escape
      "[\"a\tb\"]",           // a raw control character
      "[\"\xC0\xAF\"]",       // overlong
      "[\"\xED\xA0\x80\"]",   // an encoded surrogate
      "[\"\xF4\x90\x80\x80\"]",  // above U+10FFFF
      "[\"\xE2\x82\"]",       // truncated
      "[\"\x80\"]",           // a continuation byte first
      "[\"abc]",              // unterminated
  };
  for (const char* b : bad) {
    INFO(b);
    CHECK(verdict(b) == Status::invalid);
  }
}

TEST_CASE("json reader: structure, whitespace, byte-order mark", "[unit][protocol]") {
  CHECK(read("\xEF\xBB\xBF {\"a\" : [ 1 , { } , [ ] ] }\r\n\t").root().kind == Kind::object);
  CHECK(read("\"top\"").root().text == "top");
  CHECK(read("null").root().kind == Kind::null);
  for (const char* bad : {"", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[1 2]", "{1:2}",
                          "{'a':1}", "{\"a\":1} x", "{\"a\":1}{}", "tru", "nul", "[true false]", "\xEF\xBB{}",
                          "{\"a\":1 /* c */}"}) {
    INFO(bad);
    CHECK(verdict(bad) == Status::invalid);
  }
}

TEST_CASE("json reader: nesting beyond the cap is refused without recursion beyond it", "[unit][protocol]") {
  CHECK(verdict(std::string(3, '[') + std::string(3, ']'), 3) == Status::ok);
  CHECK(verdict(std::string(4, '[') + std::string(4, ']'), 3) == Status::too_deep);
  CHECK(verdict(std::string(1000000, '['), 32) == Status::too_deep);  // would overflow the stack uncapped
  CHECK(verdict("{\"a\":{\"b\":{}}}", 3) == Status::ok);
  CHECK(verdict("{\"a\":{\"b\":{\"c\":[]}}}", 3) == Status::too_deep);
}

TEST_CASE("json reader: at most kMaxValues values, so a hostile body cannot cost much memory", "[unit][protocol]") {
  auto zeros = [](std::size_t n) {  // an array holding n zeros: n + 1 values
    std::string s = "[0";
    for (std::size_t i = 1; i < n; ++i) s += ",0";
    return s + "]";
  };
  CHECK(verdict(zeros(JsonDoc::kMaxValues - 1)) == Status::ok);
  CHECK(verdict(zeros(JsonDoc::kMaxValues)) == Status::too_large);
  CHECK(verdict(zeros(500000)) == Status::too_large);  // ~1 MiB
}

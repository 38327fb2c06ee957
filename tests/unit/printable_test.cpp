// core::printable: what a server chose, made safe for a log line, a message or a terminal.
#include <catch2/catch.hpp>

#include <string>

#include "core/printable.hpp"

using creditmeter::core::printable;

TEST_CASE("printable: text and UTF-8 pass unchanged", "[unit][printable]") {
  CHECK(printable("slow down, retry later") == "slow down, retry later");
  CHECK(printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  CHECK(printable("a\\b") == "a\\b");
  CHECK(printable("").empty());
}

TEST_CASE("printable: C0 controls and DEL are escaped, so one message stays one line", "[unit][printable]") {
  CHECK(printable("line1\nline2\r\t") == "line1\\nline2\\r\\t");
  CHECK(printable("\x1b[31mRED\x1b[0m") == "\\x1b[31mRED\\x1b[0m");
  CHECK(printable(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(printable("\x7f") == "\\x7f");
}

TEST_CASE("printable: C1 controls and bytes that are not UTF-8 are escaped", "[unit][printable]") {
  CHECK(printable("\xc2\x9b" "2J") == "\\u009b2J");  // a CSI on many terminals
  CHECK(printable("\xc2\x85") == "\\u0085");
  CHECK(printable("\xc2\xa0") == "\xc2\xa0");         // U+00A0 is not a control
  CHECK(printable("\x9b") == "\\x9b");                // a lone continuation byte
  CHECK(printable("\xc0\xaf") == "\\xc0\\xaf");       // an overlong '/'
  CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
  CHECK(printable("\xe2\x82") == "\\xe2\\x82");       // cut short
}

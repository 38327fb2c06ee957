#pragma once
// Text a server (or a token provider) chose, made safe to put in a log line, an exception
// message or a terminal: a hostile server must not forge log lines with a newline or drive
// the user's terminal with escape sequences.

#include <string>

namespace creditmeter {
namespace core {

// `text` with every control character escaped: C0 controls and DEL as \n, \r, \t or \xNN,
// C1 controls (U+0080-U+009F) as \u0080..\u009f, and bytes that are not UTF-8 as \xNN. A
// backslash stays a backslash (the escapes are for reading, not for decoding back). Printable
// UTF-8 passes unchanged.
std::string printable(const std::string& text);

}  // namespace core
}  // namespace creditmeter

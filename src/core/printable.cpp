#include "core/printable.hpp"

namespace creditmeter {
namespace core {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex_byte(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

// The length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_length(const std::string& s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the second byte's range
  if (b0 >= 0xc2 && b0 <= 0xdf) n = 2;
  else if (b0 == 0xe0) n = 3, lo = 0xa0;
  else if (b0 == 0xed) n = 3, hi = 0x9f;
  else if (b0 >= 0xe1 && b0 <= 0xef) n = 3;
  else if (b0 == 0xf0) n = 4, lo = 0x90;
  else if (b0 >= 0xf1 && b0 <= 0xf3) n = 4;
  else if (b0 == 0xf4) n = 4, hi = 0x8f;
  else return 0;
  if (i + n > s.size()) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return n;
}

}  // namespace

std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c < 0x80) {  // C0 controls and DEL
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: append_hex_byte(out, c);
      }
      ++i;
      continue;
    }
    const std::size_t n = utf8_length(text, i);
    if (n == 0) {
      append_hex_byte(out, c);
      ++i;
      continue;
    }
    const auto b1 = static_cast<unsigned char>(text[i + 1]);
    if (n == 2 && c == 0xc2 && b1 <= 0x9f) {  // C1 controls: 0x9b is a CSI on many terminals
      out += "\\u00";
      out += kHex[b1 >> 4];
      out += kHex[b1 & 15];
    } else {
      out.append(text, i, n);
    }
    i += n;
  }
  return out;
}

}  // namespace core
}  // namespace creditmeter

#include "core/json_reader.hpp"

#include <charconv>
#include <cstring>
#include <limits>
#include <system_error>

namespace creditmeter {
namespace core {

namespace {

// The bytes a string holds as they are: printable ASCII but the quote and the backslash (the
// loop over a string's plain run is one table load per byte: tokens are most of an answer).
struct PlainTable {
  bool plain[256] = {};
  constexpr PlainTable() {
    for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  }
  constexpr bool operator[](unsigned char c) const { return plain[c]; }
};
constexpr PlainTable kPlain;

// Recursive descent over the bytes; depth is bounded by the caller's cap (32 for answers).
class Parser {
 public:
  Parser(std::string_view text, int max_depth, std::vector<JsonDoc::Value>& out)
      : p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth), out_(out) {}

  JsonDoc::Status run() {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
    skip_whitespace();
    if (!value(-1, std::string(), 0)) return status_;
    skip_whitespace();
    return p_ == end_ ? JsonDoc::Status::ok : JsonDoc::Status::invalid;
  }

 private:
  void skip_whitespace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool fail() {
    status_ = JsonDoc::Status::invalid;
    return false;
  }

  int add(JsonDoc::Kind kind, int parent, std::string&& key) {
    out_.emplace_back();
    JsonDoc::Value& v = out_.back();
    v.kind = kind;
    v.parent = parent;
    v.key = std::move(key);
    return static_cast<int>(out_.size() - 1);
  }

  bool value(int parent, std::string&& key, int depth) {
    if (p_ == end_) return fail();
    if (out_.size() >= JsonDoc::kMaxValues) {
      status_ = JsonDoc::Status::too_large;
      return false;
    }
    switch (*p_) {
      case '{': return container(JsonDoc::Kind::object, parent, std::move(key), depth);
      case '[': return container(JsonDoc::Kind::array, parent, std::move(key), depth);
      case '"': {
        const int i = add(JsonDoc::Kind::string, parent, std::move(key));
        return string(out_[static_cast<std::size_t>(i)].text);
      }
      case 't': return literal("true", JsonDoc::Kind::boolean, true, parent, std::move(key));
      case 'f': return literal("false", JsonDoc::Kind::boolean, false, parent, std::move(key));
      case 'n': return literal("null", JsonDoc::Kind::null, false, parent, std::move(key));
      default: {
        double d = 0;
        if (!number(d)) return fail();
        out_[static_cast<std::size_t>(add(JsonDoc::Kind::number, parent, std::move(key)))].number = d;
        return true;
      }
    }
  }

  bool literal(const char* word, JsonDoc::Kind kind, bool b, int parent, std::string&& key) {
    const std::size_t n = std::strlen(word);
    if (static_cast<std::size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return fail();
    p_ += n;
    out_[static_cast<std::size_t>(add(kind, parent, std::move(key)))].boolean = b;
    return true;
  }

  bool container(JsonDoc::Kind kind, int parent, std::string&& key, int depth) {
    if (depth + 1 > max_depth_) {
      status_ = JsonDoc::Status::too_deep;
      return false;
    }
    const int self = add(kind, parent, std::move(key));
    const char close = kind == JsonDoc::Kind::object ? '}' : ']';
    ++p_;
    skip_whitespace();
    if (p_ < end_ && *p_ == close) {
      ++p_;
      return true;
    }
    for (;;) {
      std::string name;
      if (kind == JsonDoc::Kind::object) {
        if (p_ == end_ || *p_ != '"' || !string(name)) return fail();
        skip_whitespace();
        if (p_ == end_ || *p_ != ':') return fail();
        ++p_;
        skip_whitespace();
      }
      if (!value(self, std::move(name), depth + 1)) return false;
      skip_whitespace();
      if (p_ == end_) return fail();
      if (*p_ == close) {
        ++p_;
        return true;
      }
      if (*p_ != ',') return fail();
      ++p_;
      skip_whitespace();
    }
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits after "\u".
  bool code_unit(unsigned& out) {
    if (end_ - p_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex(p_[i]);
      if (h < 0) return false;
      out = out * 16 + static_cast<unsigned>(h);
    }
    p_ += 4;
    return true;
  }

  static void append_utf8(std::string& s, unsigned cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // The length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates,
  // nothing above U+10FFFF) starting with a byte >= 0x80 at p_, or 0.
  std::size_t utf8_sequence() const {
    const auto* u = reinterpret_cast<const unsigned char*>(p_);
    const std::size_t left = static_cast<std::size_t>(end_ - p_);
    const unsigned char c = u[0];
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) n = 3, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) n = 3;
    else if (c == 0xED) n = 3, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) n = 3;
    else if (c == 0xF0) n = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else if (c == 0xF4) n = 4, hi = 0x8F;
    else return 0;
    if (left < n || u[1] < lo || u[1] > hi) return 0;
    for (std::size_t i = 2; i < n; ++i) {
      if (u[i] < 0x80 || u[i] > 0xBF) return 0;
    }
    return n;
  }

  // At the opening quote; leaves p_ past the closing one.
  bool string(std::string& s) {
    ++p_;
    for (;;) {
      const char* run = p_;
      while (p_ < end_ && kPlain[static_cast<unsigned char>(*p_)]) ++p_;
      s.append(run, static_cast<std::size_t>(p_ - run));
      if (p_ == end_) return fail();
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return fail();  // control characters must be escaped
      if (c >= 0x80) {
        const std::size_t n = utf8_sequence();
        if (n == 0) return fail();
        s.append(p_, n);
        p_ += n;
        continue;
      }
      // A backslash escape.
      if (++p_ == end_) return fail();
      const char e = *p_++;
      switch (e) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          unsigned cp = 0;
          if (!code_unit(cp)) return fail();
          if (cp >= 0xDC00 && cp <= 0xDFFF) return fail();  // a low surrogate alone
          if (cp >= 0xD800 && cp <= 0xDBFF) {               // must pair with a low one
            unsigned low = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return fail();
            p_ += 2;
            if (!code_unit(low) || low < 0xDC00 || low > 0xDFFF) return fail();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(s, cp);
          break;
        }
        default: return fail();
      }
    }
  }

  // RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number(double& out) {
    const char* start = p_;
    auto digits = [this] {
      const char* from = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ > from;
    };
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ < end_ && *p_ == '0') ++p_;
    else if (!digits()) return false;
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (!digits()) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
    }
    // from_chars: exact, and no locale (strtod reads the decimal point from the locale).
    const auto r = std::from_chars(start, p_, out);
    if (r.ec == std::errc::result_out_of_range) {
      // Too large is an error (as in nlohmann); too small is a zero of the number's sign.
      if (!underflows(start, p_)) return false;
      out = *start == '-' ? -0.0 : 0.0;
      return true;
    }
    return r.ec == std::errc() && r.ptr == p_;
  }

  // Whether a well-formed number out of double's range is tiny rather than huge: the place
  // of its first significant digit (0 = units), plus its written exponent, is negative.
  static bool underflows(const char* p, const char* end) {
    if (*p == '-') ++p;
    const char* integer = p;
    while (p < end && *p >= '0' && *p <= '9') ++p;
    const char* integer_end = p;
    long place = 0;
    bool seen = false;
    for (const char* q = integer; q < integer_end && !seen; ++q) {
      if (*q != '0') seen = true, place = static_cast<long>(integer_end - q) - 1;
    }
    if (p < end && *p == '.') {
      ++p;
      for (long k = 1; p < end && *p >= '0' && *p <= '9'; ++p, ++k) {
        if (!seen && *p != '0') seen = true, place = -k;
      }
    }
    if (!seen) return true;  // zero is never out of range; be safe
    long exponent = 0;
    bool negative = false;
    if (p < end && (*p == 'e' || *p == 'E')) {
      ++p;
      negative = *p == '-';
      if (*p == '+' || *p == '-') ++p;
      for (; p < end; ++p) {
        if (exponent < 100000000) exponent = exponent * 10 + (*p - '0');  // saturates
      }
    }
    return place + (negative ? -exponent : exponent) < 0;
  }

  const char* p_;
  const char* const end_;
  const int max_depth_;
  std::vector<JsonDoc::Value>& out_;
  JsonDoc::Status status_ = JsonDoc::Status::invalid;
};

}  // namespace

JsonDoc::Status JsonDoc::parse(std::string_view text, int max_depth) {
  values_.clear();
  values_.reserve(16);
  const Status s = Parser(text, max_depth, values_).run();
  if (s != Status::ok) values_.clear();
  return s;
}

int JsonDoc::member(int object, std::string_view key) const {
  if (object < 0 || static_cast<std::size_t>(object) >= values_.size() || at(object).kind != Kind::object) return -1;
  int found = -1;
  for_each_child(object, [&](int i) {
    if (at(i).key == key) found = i;
  });
  return found;
}

}  // namespace core
}  // namespace creditmeter

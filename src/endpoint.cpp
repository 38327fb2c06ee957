#include "endpoint.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "creditmeter/errors.hpp"

namespace creditmeter {
namespace detail {

namespace {

// The parts of an absolute http(s) URL that the check needs (RFC 3986 §3). Parsed by hand:
// the SDK must build without libcurl (the app's own HTTP stack replaces it), and it needs only
// the scheme, the authority and whether a query or fragment is there, of one URL the app
// configured, checked once per Client.
struct UrlParts {
  std::string scheme;     // lower-cased
  std::string userinfo;   // before '@' in the authority
  bool has_userinfo = false;
  std::string host;       // as written ("[::1]" keeps its brackets)
  std::string port;       // digits, or empty
  std::string path;       // from the first '/' of the path, or empty
  bool has_query_or_fragment = false;
};

bool is_unreserved_or_sub_delim(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string("-._~!$&'()*+,;=%").find(c) != std::string::npos;
}

// Throws InvalidArgument naming what is malformed.
UrlParts parse_url(const std::string& raw) {
  auto malformed = [](const std::string& why) {
    return InvalidArgument("base_url is not a valid absolute URL (" + why + "): expected e.g. https://api.example.com");
  };
  for (char c : raw) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      throw malformed("it holds a space, a control character or a non-ASCII byte");
    }
  }
  UrlParts u;
  const auto colon = raw.find("://");
  if (colon == std::string::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(raw[0]))) {
    throw malformed("no scheme");
  }
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = raw[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') throw malformed("bad scheme");
    u.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const std::size_t authority_start = colon + 3;
  const std::size_t authority_end = std::min(raw.find_first_of("/?#", authority_start), raw.size());
  std::string authority = raw.substr(authority_start, authority_end - authority_start);
  const auto at = authority.rfind('@');
  if (at != std::string::npos) {
    u.has_userinfo = true;
    u.userinfo = authority.substr(0, at);
    authority.erase(0, at + 1);
  }
  if (!authority.empty() && authority[0] == '[') {  // an IPv6 literal
    const auto close = authority.find(']');
    if (close == std::string::npos) throw malformed("unclosed IPv6 address");
    u.host = authority.substr(0, close + 1);
    if (u.host.find_first_not_of("0123456789abcdefABCDEF:.[]") != std::string::npos) throw malformed("bad IPv6 address");
    authority.erase(0, close + 1);
    if (!authority.empty() && authority[0] != ':') throw malformed("junk after the IPv6 address");
    if (!authority.empty()) u.port = authority.substr(1);
  } else {
    const auto port_colon = authority.find(':');
    u.host = authority.substr(0, port_colon);
    if (port_colon != std::string::npos) u.port = authority.substr(port_colon + 1);
    if (!std::all_of(u.host.begin(), u.host.end(), is_unreserved_or_sub_delim)) throw malformed("bad host name");
  }
  if (u.host.empty() || u.host == "[]") throw malformed("no host");
  if (!u.port.empty()) {
    if (u.port.size() > 5 || u.port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(u.port) > 65535) {
      throw malformed("bad port number");
    }
  } else if (authority.find(':') != std::string::npos && authority.back() == ':') {
    throw malformed("empty port number");
  }
  const std::size_t path_end = std::min(raw.find_first_of("?#", authority_end), raw.size());
  u.path = raw.substr(authority_end, path_end - authority_end);
  u.has_query_or_fragment = path_end < raw.size();
  return u;
}

constexpr std::size_t kMaxBaseUrlBytes = 2048;

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  in_addr a{};  // 127.0.0.0/8 as a parsed address: "127.example.com" is not loopback
  return inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

}  // namespace

std::string validate_base_url(const std::string& raw, bool allow_insecure_http) {
  if (raw.empty()) {
    throw InvalidArgument("base_url is not set: pass ClientOptions::base_url or set CREDITMETER_BASE_URL");
  }
  // A NUL would cut the URL short wherever it is used as a C string.
  if (raw.find('\0') != std::string::npos) throw InvalidArgument("base_url contains a NUL byte");
  if (raw.size() > kMaxBaseUrlBytes) {
    throw InvalidArgument("base_url is " + std::to_string(raw.size()) + " bytes long, more than " +
                          std::to_string(kMaxBaseUrlBytes) + ": expected e.g. https://api.example.com");
  }
  const UrlParts url = parse_url(raw);
  if (url.scheme != "http" && url.scheme != "https") {
    throw InvalidArgument("base_url must use https:// (or http:// on loopback), not " + url.scheme + "://");
  }
  if (url.has_userinfo) {
    throw InvalidArgument("base_url must not hold credentials: pass the secret as api_secret");
  }
  if (url.has_query_or_fragment) throw InvalidArgument("base_url must not have a query or a fragment");
  if (url.scheme == "http" && !is_loopback(url.host) && !allow_insecure_http) {
    throw InvalidArgument("base_url uses plain http:// to " + url.host +
                          ": use https://, or set allow_insecure_http for a trusted network");
  }
  std::string normalized = url.scheme + "://" + url.host + (url.port.empty() ? "" : ":" + url.port) + url.path;
  while (!normalized.empty() && normalized.back() == '/') normalized.pop_back();
  return normalized;
}

}  // namespace detail
}  // namespace creditmeter

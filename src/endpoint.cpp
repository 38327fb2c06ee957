#include "endpoint.hpp"

#include <arpa/inet.h>

#include <memory>

#include <curl/curl.h>

#include "creditmeter/errors.hpp"

namespace creditmeter {
namespace detail {

namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

std::string part(CURLU* url, CURLUPart which) {
  char* value = nullptr;
  if (curl_url_get(url, which, &value, 0) != CURLUE_OK || value == nullptr) return {};
  std::string out(value);
  curl_free(value);
  return out;
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
  // Checked before libcurl sees it as a C string: a NUL would cut the URL short silently.
  if (raw.find('\0') != std::string::npos) throw InvalidArgument("base_url contains a NUL byte");
  if (raw.size() > kMaxBaseUrlBytes) {
    throw InvalidArgument("base_url is " + std::to_string(raw.size()) + " bytes long, more than " +
                          std::to_string(kMaxBaseUrlBytes) + ": expected e.g. https://api.example.com");
  }
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (!url) throw InvalidArgument("out of memory while parsing base_url");
  const CURLUcode rc = curl_url_set(url.get(), CURLUPART_URL, raw.c_str(), 0);
  if (rc != CURLUE_OK) {
    throw InvalidArgument("base_url is not a valid absolute URL (" + std::string(curl_url_strerror(rc)) +
                          "): expected e.g. https://api.example.com");
  }
  const std::string scheme = part(url.get(), CURLUPART_SCHEME);
  if (scheme != "http" && scheme != "https") {
    throw InvalidArgument("base_url must use https:// (or http:// on loopback), not " + scheme + "://");
  }
  if (!part(url.get(), CURLUPART_USER).empty() || !part(url.get(), CURLUPART_PASSWORD).empty()) {
    throw InvalidArgument("base_url must not hold credentials: pass the secret as api_secret");
  }
  if (!part(url.get(), CURLUPART_QUERY).empty() || !part(url.get(), CURLUPART_FRAGMENT).empty()) {
    throw InvalidArgument("base_url must not have a query or a fragment");
  }
  const std::string host = part(url.get(), CURLUPART_HOST);
  if (scheme == "http" && !is_loopback(host) && !allow_insecure_http) {
    throw InvalidArgument("base_url uses plain http:// to " + host +
                          ": use https://, or set allow_insecure_http for a trusted network");
  }
  std::string normalized = part(url.get(), CURLUPART_URL);
  while (!normalized.empty() && normalized.back() == '/') normalized.pop_back();
  return normalized;
}

}  // namespace detail
}  // namespace creditmeter

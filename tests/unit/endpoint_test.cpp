// The endpoint check (src/endpoint.cpp): which base URLs a Client accepts, what it makes of
// them, and that every refusal says what to do without echoing a credential.

#include <catch2/catch.hpp>

#include <string>

#include "creditmeter/errors.hpp"
#include "endpoint.hpp"

using creditmeter::InvalidArgument;
using creditmeter::detail::validate_base_url;

namespace {

// The refusal's message, or "" when the URL was accepted.
std::string refusal(const std::string& url, bool allow_insecure_http = false) {
  try {
    validate_base_url(url, allow_insecure_http);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("endpoint: an https URL is accepted and normalised without trailing slashes", "[unit][endpoint]") {
  CHECK(validate_base_url("https://api.example.com", false) == "https://api.example.com");
  CHECK(validate_base_url("https://api.example.com/", false) == "https://api.example.com");
  CHECK(validate_base_url("https://api.example.com///", false) == "https://api.example.com");
  CHECK(validate_base_url("https://api.example.com:8443/billing/", false) == "https://api.example.com:8443/billing");
  CHECK(validate_base_url("HTTPS://API.example.com", false) == "https://API.example.com");
}

TEST_CASE("endpoint: plain http only to loopback, unless explicitly allowed", "[unit][endpoint]") {
  CHECK(validate_base_url("http://127.0.0.1:8080", false) == "http://127.0.0.1:8080");
  CHECK(validate_base_url("http://127.5.6.7", false) == "http://127.5.6.7");  // all of 127.0.0.0/8
  CHECK(validate_base_url("http://localhost:9", false) == "http://localhost:9");
  CHECK(validate_base_url("http://[::1]:9", false) == "http://[::1]:9");

  const std::string msg = refusal("http://api.example.com");
  CHECK(msg.find("plain http:// to api.example.com") != std::string::npos);
  CHECK(msg.find("allow_insecure_http") != std::string::npos);
  // A name that merely starts like a loopback address is not one.
  CHECK_FALSE(refusal("http://127.example.com").empty());
  CHECK_FALSE(refusal("http://10.0.0.1").empty());

  CHECK(validate_base_url("http://api.example.com", /*allow_insecure_http=*/true) == "http://api.example.com");
}

TEST_CASE("endpoint: refusals say what is wrong and what to do", "[unit][endpoint]") {
  CHECK(refusal("").find("CREDITMETER_BASE_URL") != std::string::npos);
  CHECK(refusal("not a url").find("not a valid absolute URL") != std::string::npos);
  CHECK(refusal("api.example.com").find("not a valid absolute URL") != std::string::npos);
  CHECK(refusal("ftp://api.example.com").find("not ftp://") != std::string::npos);
  CHECK(refusal("https://api.example.com/?x=1").find("query or a fragment") != std::string::npos);
  CHECK(refusal("https://api.example.com/#top").find("query or a fragment") != std::string::npos);
}

TEST_CASE("endpoint: credentials in the URL are refused without echoing them", "[unit][endpoint]") {
  const std::string msg = refusal("https://user:sk_live_hunter2@api.example.com");
  CHECK(msg.find("must not hold credentials") != std::string::npos);
  CHECK(msg.find("api_secret") != std::string::npos);
  CHECK(msg.find("sk_live_hunter2") == std::string::npos);
  CHECK(msg.find("user") == std::string::npos);
  CHECK(refusal("https://sk_live_hunter2@api.example.com").find("sk_live_hunter2") == std::string::npos);
}

TEST_CASE("endpoint: malformed authorities are refused", "[unit][endpoint]") {
  for (const char* bad : {"https://", "https://:443", "https://api.example.com:99999", "https://api.example.com:80a",
                          "https://api example.com", "https://[::1", "https://[::1]x", "https://api.example.com:",
                          "1https://api.example.com", "https://api.exa\tmple.com"}) {
    INFO(bad);
    CHECK(refusal(bad).find("not a valid absolute URL") != std::string::npos);
  }
  CHECK(validate_base_url("https://[2001:db8::1]:8443/v", false) == "https://[2001:db8::1]:8443/v");
}

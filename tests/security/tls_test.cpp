// TLS: verification always on, ca_file, public-key pinning (backup pins), and plain http://
// refused off loopback. The emulator serves HTTPS with certificates made by the openssl CLI.

#include <catch2/catch.hpp>

#include <memory>

#include "../integration/integration_support.hpp"
#include "security_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

struct TlsFixture {
  TempDir dir;
  Pki good = make_pki(dir, "good");
  Pki other = make_pki(dir, "other");  // an unrelated CA and key
  EmulatorProcess emu{EmulatorOptions{{}, "", good.server_cert, good.server_key}};
  std::string secret = "sk_test_tls_secret_0123456789";

  TlsFixture() { emu.create_account(secret, "pro", 100); }

  ClientOptions options() const {
    ClientOptions o;
    o.base_url = emu.base_url();
    o.api_secret = secret;
    o.journal_dir = "";
    o.connect_timeout = 3s;
    o.request_timeout = 5s;
    o.shutdown_timeout = 1s;
    return o;
  }
};

// The start's failure message, or "" when it started.
std::string start_failure(const ClientOptions& options) {
  Client client(options);
  try {
    auto s = client.start_session();
    s->stop();
    client.flush(3s);
    return "";
  } catch (const NetworkError& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("TLS: the emulator's CA given as ca_file verifies and the session starts", "[security][tls][smoke]") {
  CREDITMETER_NEEDS_OPENSSL_CLI();
  TlsFixture f;
  REQUIRE(f.emu.base_url().rfind("https://127.0.0.1:", 0) == 0);
  ClientOptions o = f.options();
  o.ca_file = f.good.ca_cert;
  Client client(o);
  auto s = client.start_session();
  CHECK(s->may_render());
  CHECK(f.emu.ledger_session(s->id()).is_object());
  s->stop();
  CHECK(client.flush(5s));

  SECTION("also by host name (localhost is in subjectAltName)") {
    ClientOptions by_name = o;
    by_name.base_url = "https://localhost:" + std::to_string(f.emu.port());
    CHECK(start_failure(by_name).empty());
  }
}

TEST_CASE("TLS: a certificate of another CA fails as a NetworkError naming TLS verification", "[security][tls]") {
  CREDITMETER_NEEDS_OPENSSL_CLI();
  TlsFixture f;
  ClientOptions o = f.options();
  o.ca_file = f.other.ca_cert;
  const std::string why = start_failure(o);
  INFO(why);
  CHECK(why.find("TLS certificate verification failed") != std::string::npos);
  CHECK(why.find(f.secret) == std::string::npos);
  CHECK(f.emu.ledger().at("sessions").empty());
}

TEST_CASE("TLS: heartbeats and the release travel on the scheduler's pooled TLS connection", "[security][tls]") {
  // The scheduler's event loop (curl_multi_socket_action) over TLS: several acknowledged
  // heartbeats, then a release, each exactly billed.
  CREDITMETER_NEEDS_OPENSSL_CLI();
  TlsFixture f;
  f.emu.configure({{"heartbeat_interval_s", 1}});
  ClientOptions o = f.options();
  o.ca_file = f.good.ca_cert;
  Client client(o);
  auto s = client.start_session();
  Renderer renderer(*s);
  CHECK(wait_until([&] { return s->stats().heartbeats_ok >= 3; }, 15s));
  renderer.stop();
  s->stop();
  REQUIRE(client.flush(5s));
  const auto row = f.emu.ledger_session(s->id());
  CHECK(row.at("released") == true);
  CHECK(row.at("active_ms").get<std::int64_t>() == s->stats().active_ms);
  CHECK(s->stats().active_ms > 0);
}

TEST_CASE("TLS: without ca_file the system store does not trust a private CA", "[security][tls]") {
  CREDITMETER_NEEDS_OPENSSL_CLI();
  TlsFixture f;
  const std::string why = start_failure(f.options());
  INFO(why);
  REQUIRE_FALSE(why.empty());
  // With no system bundle at all libcurl reports the CA file; with one, verification fails.
  CHECK((why.find("TLS certificate verification failed") != std::string::npos ||
         why.find("CA file") != std::string::npos));
  CHECK(f.emu.ledger().at("sessions").empty());
}

TEST_CASE("TLS: an unreadable ca_file is a NetworkError naming it", "[security][tls]") {
  CREDITMETER_NEEDS_OPENSSL_CLI();
  TlsFixture f;
  ClientOptions o = f.options();
  o.ca_file = f.dir.file("no-such-ca.pem");
  const std::string why = start_failure(o);
  INFO(why);
  CHECK(why.find("CA file") != std::string::npos);
}

TEST_CASE("TLS: public-key pinning accepts the right pin, also as a backup pin, and refuses a wrong one",
          "[security][tls]") {
  CREDITMETER_NEEDS_OPENSSL_CLI();
  TlsFixture f;
  const std::string right = pin_of(f.dir, f.good.server_cert);
  const std::string wrong = pin_of(f.dir, f.other.server_cert);
  REQUIRE(right.size() == 8 + 44);
  REQUIRE(right != wrong);
  ClientOptions o = f.options();
  o.ca_file = f.good.ca_cert;

  SECTION("the right pin") {
    o.pinned_public_key = right;
    CHECK(start_failure(o).empty());
  }
  SECTION("the right pin as the second of two (backup pin)") {
    o.pinned_public_key = wrong + ";" + right;
    CHECK(start_failure(o).empty());
  }
  SECTION("a wrong pin") {
    o.pinned_public_key = wrong;
    const std::string why = start_failure(o);
    INFO(why);
    CHECK(why.find("pinned") != std::string::npos);
    CHECK(f.emu.ledger().at("sessions").empty());
  }
  SECTION("a pin does not replace verification: the right pin with an untrusted CA fails") {
    o.ca_file = f.other.ca_cert;
    o.pinned_public_key = right;
    const std::string why = start_failure(o);
    INFO(why);
    CHECK(why.find("TLS certificate verification failed") != std::string::npos);
  }
}

TEST_CASE("TLS: credit_summary() verifies too", "[security][tls]") {
  CREDITMETER_NEEDS_OPENSSL_CLI();
  TlsFixture f;
  ClientOptions o = f.options();
  o.ca_file = f.other.ca_cert;
  Client client(o);
  try {
    client.credit_summary();
    FAIL("no exception");
  } catch (const NetworkError& e) {
    CHECK(std::string(e.what()).find("TLS certificate verification failed") != std::string::npos);
  }
  o.ca_file = f.good.ca_cert;
  Client trusting(o);
  CHECK(trusting.credit_summary().balance == Approx(100));
}

TEST_CASE("plain http:// to a non-loopback host is refused unless allow_insecure_http", "[security][smoke]") {
  auto make = [](const std::string& url, bool allow) {
    ClientOptions o;
    o.base_url = url;
    o.api_secret = "sk_test_plain_http_secret";
    o.journal_dir = "";
    o.allow_insecure_http = allow;
    return std::make_unique<Client>(o);
  };
  for (const char* url : {"http://api.example.com", "http://10.0.0.7:8080", "http://[2001:db8::1]/",
                          "HTTP://api.example.com"}) {
    INFO(url);
    try {
      make(url, false);
      FAIL("accepted");
    } catch (const InvalidArgument& e) {
      const std::string what = e.what();
      CHECK(what.find("plain http://") != std::string::npos);
      CHECK(what.find("allow_insecure_http") != std::string::npos);
      CHECK(what.find("sk_test_plain_http_secret") == std::string::npos);
    }
    CHECK_NOTHROW(make(url, true));  // no network call at construction
  }
  for (const char* url : {"http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1", "https://api.example.com"}) {
    INFO(url);
    CHECK_NOTHROW(make(url, false));
  }
  for (const char* url : {"ftp://api.example.com", "file:///etc/passwd", "https://user:pw@api.example.com",
                          "api.example.com"}) {
    INFO(url);
    CHECK_THROWS_AS(make(url, false), InvalidArgument);
  }
}

// Was a bug (fixed): endpoint.cpp's is_loopback() takes any host starting with "127." for loopback, so a
// DNS name such as 127.example.com (resolving anywhere) gets plain http without
// allow_insecure_http. Only an IPv4 literal in 127.0.0.0/8 is loopback.
TEST_CASE("a DNS name that merely starts with 127. is not loopback", "[security]") {
  ClientOptions o;
  o.base_url = "http://127.example.com";
  o.api_secret = "sk_test_plain_http_secret";
  o.journal_dir = "";
  CHECK_THROWS_AS(Client(o), InvalidArgument);
}

// An HTTP CONNECT proxy taken from HTTPS_PROXY (tinyproxy), and NO_PROXY honoured: TLS stays
// end to end through the proxy, and a host NO_PROXY names is reached directly.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <string>

#include "../integration/integration_support.hpp"
#include "../security/security_support.hpp"
#include "front_servers.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

// Sets an environment variable for the scope (no Client may run meanwhile: getenv races).
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~EnvVar() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("HTTPS_PROXY: every request goes through the CONNECT proxy, NO_PROXY bypasses it", "[frontserver]") {
  CREDITMETER_NEEDS_PROGRAM("tinyproxy");
  CREDITMETER_NEEDS_OPENSSL_CLI();
  TempDir certs;
  const Pki pki = make_pki(certs, "proxied");
  EmulatorOptions tls;
  tls.tls_cert = pki.server_cert;
  tls.tls_key = pki.server_key;
  EmulatorProcess emu(tls);
  const std::string secret = unique_secret("proxy");
  emu.create_account(secret, "pro", 100);
  TinyproxyProcess proxy;
  const std::string target = "127.0.0.1:" + std::to_string(emu.port());

  ClientOptions o;
  o.base_url = emu.base_url();
  o.ca_file = pki.ca_cert;
  o.api_secret = secret;
  o.journal_dir = "";
  EnvVar https_proxy("HTTPS_PROXY", proxy.url().c_str());
  EnvVar https_proxy_lower("https_proxy", proxy.url().c_str());
  {
    EnvVar no_proxy("NO_PROXY", nullptr);
    EnvVar no_proxy_lower("no_proxy", nullptr);
    Client client(o);
    auto s = client.start_session();
    REQUIRE(wait_until([&] { return count(proxy.log(), target) >= 1; }, 5s));
    s->stop();
    REQUIRE(client.flush(10s));
    CHECK(emu.ledger_session(s->id()).at("released") == true);
  }
  INFO(proxy.log());
  const std::size_t proxied = count(proxy.log(), target);
  CHECK(proxied >= 1);  // the start and the release (one connection may carry both)
  {
    EnvVar no_proxy("NO_PROXY", "127.0.0.1");
    EnvVar no_proxy_lower("no_proxy", "127.0.0.1");
    Client client(o);
    auto s = client.start_session();
    s->stop();
    REQUIRE(client.flush(10s));
    CHECK(emu.ledger_session(s->id()).at("released") == true);
  }
  CHECK(count(proxy.log(), target) == proxied);  // nothing more went through the proxy
}

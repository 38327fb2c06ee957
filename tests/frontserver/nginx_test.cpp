// Sessions behind nginx terminating TLS, as a real API sits behind a TLS terminator or a load
// balancer that closes idle and old connections: a 1 s keep-alive (the heartbeat interval
// itself, so connections die just as they are reused) and 3 requests per connection. Billing
// stays exact, no attempt fails and nothing is logged as a warning: a request that died with
// its reused connection is resent at once on a new one.

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "../integration/integration_support.hpp"
#include "../security/security_support.hpp"
#include "front_servers.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

TEST_CASE("behind nginx (TLS, short keep-alive, few requests per connection): exact billing, no failure, no warning",
          "[frontserver]") {
  CREDITMETER_NEEDS_PROGRAM("nginx");
  CREDITMETER_NEEDS_OPENSSL_CLI();
  const bool http2 = GENERATE(true, false);
  INFO((http2 ? "HTTP/2" : "HTTP/1.1"));
  EmulatorProcess emu;
  const std::string secret = unique_secret("nginx");
  emu.create_account(secret, "pro", 1000, 100);
  emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 30}});
  NginxOptions front;
  front.http2 = http2;
  NginxProcess nginx(emu.port(), front);

  LogCapture logs;
  ClientOptions o;
  o.base_url = nginx.base_url();
  o.ca_file = nginx.ca_cert();
  o.api_secret = secret;
  o.journal_dir = "";
  o.log = logs.callback();
  o.log_level = LogLevel::warning;
  Client client(o);
  std::vector<std::unique_ptr<Session>> sessions;
  std::vector<std::unique_ptr<Renderer>> renderers;
  // 16 sessions: a burst on the 50 ms grid every second over a pool of connections, each idle
  // for about nginx's keep-alive (without the resend on a new connection, a few of these
  // heartbeats failed in every run).
  for (int i = 0; i < 16; ++i) {
    sessions.push_back(client.start_session());
    renderers.push_back(std::make_unique<Renderer>(*sessions.back()));
  }
  // Six heartbeats each, on connections nginx is about to close.
  REQUIRE(wait_until(
      [&] {
        for (auto& s : sessions) {
          if (s->stats().heartbeats_ok < 6) return false;
        }
        return true;
      },
      30s));
  for (auto& r : renderers) r->stop();
  for (auto& s : sessions) s->stop();
  REQUIRE(client.flush(10s));
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const SessionStats st = sessions[i]->stats();
    const auto row = emu.ledger_session(sessions[i]->id());
    INFO("session " << i);
    CHECK(st.heartbeats_failed == 0);
    CHECK(row.at("active_ms").get<std::int64_t>() == st.active_ms);
    CHECK(st.reported_ms == st.active_ms);
    CHECK(st.active_ms <= renderers[i]->rendered().count());
    CHECK(row.at("released") == true);
  }
  INFO("nginx error log:\n" << nginx.error_log());
  for (const auto& line : logs.lines()) {
    INFO(line);
    CHECK(line.rfind("warning", 0) != 0);
    CHECK(line.rfind("error", 0) != 0);
  }
}

// The walking skeleton against the real emulator: token exchange, refusals, release,
// credit summary, audio-only.

#include <catch2/catch.hpp>

#include <cmath>

#include "integration_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

TEST_CASE("a valid secret starts a session and stop() releases its slot", "[integration][smoke]") {
  EmulatorProcess emu;
  const auto secret = unique_secret("start");
  emu.create_account(secret, "free", 50);
  Client client(client_options(emu, secret));
  auto s = client.start_session();
  CHECK(s->may_render());
  CHECK(s->state() == SessionState::active);
  REQUIRE(emu.ledger_session(s->id()).is_object());
  s->stop();
  CHECK(s->state() == SessionState::stopped);
  REQUIRE(client.flush(5s));
  const auto row = emu.ledger_session(s->id());
  CHECK(row.at("released") == true);
  CHECK(row.at("active_ms") == 0);
}

TEST_CASE("an invalid secret fails fast, costs nothing and leaves no thread", "[integration][smoke]") {
  EmulatorProcess emu;
  const auto secret = unique_secret("good");
  emu.create_account(secret, "free", 50);
  const int threads_before = thread_count();
  {
    Client client(client_options(emu, "sk_test_wrong_secret"));
    const auto t0 = std::chrono::steady_clock::now();
    try {
      client.start_session();
      FAIL("no exception");
    } catch (const AuthenticationError& e) {
      CHECK(std::string(e.what()).find("check your API secret") != std::string::npos);
      CHECK(std::string(e.what()).find("sk_test_wrong_secret") == std::string::npos);
      CHECK(e.http_status() == 401);
    }
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    CHECK(thread_count() == threads_before);
  }
  CHECK(emu.ledger().at("sessions").empty());
  CHECK(emu.account(secret).at("balance").get<double>() == Approx(50));
}

TEST_CASE("balance 0 refuses with InsufficientCredits", "[integration]") {
  EmulatorProcess emu;
  const auto secret = unique_secret("broke");
  emu.create_account(secret, "free", 0);
  Client client(client_options(emu, secret));
  try {
    client.start_session();
    FAIL("no exception");
  } catch (const InsufficientCredits& e) {
    CHECK(std::string(e.what()).find("top up credits") != std::string::npos);
  }
}

TEST_CASE("the plan's N+1-th session is refused naming the limit, after stop a new one starts", "[integration]") {
  EmulatorProcess emu;
  const auto secret = unique_secret("slots");
  emu.create_account(secret, "free", 50);  // free: 2 concurrent
  Client client(client_options(emu, secret));
  auto a = client.start_session();
  auto b = client.start_session();
  try {
    client.start_session();
    FAIL("no exception");
  } catch (const ConcurrencyLimitError& e) {
    CHECK(e.limit() == 2);
    CHECK(std::string(e.what()).find("plan allows 2 concurrent sessions") != std::string::npos);
  }
  a->stop();
  REQUIRE(client.flush(5s));  // the release has landed: the slot is free
  auto c = client.start_session();
  CHECK(c->may_render());
}

TEST_CASE("an unreachable server gives a NetworkError within the connect timeout", "[integration][smoke]") {
  int dead_port = 0;
  {
    EmulatorProcess emu;
    dead_port = emu.port();
  }  // stopped: nothing listens there now
  ClientOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(dead_port);
  o.api_secret = "sk_test_any";
  o.connect_timeout = 1000ms;
  Client client(o);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    client.start_session();
    FAIL("no exception");
  } catch (const NetworkError& e) {
    CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(dead_port)) != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
}

TEST_CASE("the credit summary matches the account", "[integration][smoke]") {
  EmulatorProcess emu;
  const auto secret = unique_secret("summary");
  emu.create_account(secret, "creator", 100.5);
  Client client(client_options(emu, secret));
  const CreditSummary s = client.credit_summary();
  CHECK(s.balance == Approx(100.5));
  CHECK(s.plan == "creator");
  CHECK_FALSE(s.renews_at.empty());
  const std::map<std::string, double> rates = {{"essence_cloud", 2},        {"expression_cloud", 4},
                                               {"essence_self_hosted", 1},  {"expression_self_hosted", 2},
                                               {"expression_on_device", 2}};
  for (const auto& r : rates) {
    INFO(r.first);
    REQUIRE(s.estimated_minutes.count(r.first) == 1);
    CHECK(s.estimated_minutes.at(r.first) == static_cast<std::int64_t>(std::floor(100.5 / r.second)));
  }
}

TEST_CASE("audio-only sessions work with no server at all", "[integration][smoke]") {
  ClientOptions o;
  o.base_url = "http://127.0.0.1:9";  // discard port: nothing answers
  o.api_secret = "sk_test_any";
  const int threads_before = thread_count();
  Client client(o);
  SessionOptions so;
  so.audio_only = true;
  auto s = client.start_session(so);
  for (int i = 0; i < 10; ++i) s->frame();
  CHECK(s->may_render());
  CHECK(thread_count() == threads_before);
  s->stop();
  CHECK(client.flush(1s));
  CHECK(s->stats().active_ms == 0);
}

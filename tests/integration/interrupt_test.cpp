// Interrupting the waiting calls against the emulator holding the request (fault `hang`):
// a StopToken and close() on another thread end start_session, flush and credit_summary at
// once, and a start interrupted after its exchange was sent leaves no slot and no bill.

#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include "integration_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

constexpr auto kRequestTimeout = 30s;  // an interrupted call must not wait this out

ClientOptions patient_options(const EmulatorProcess& emu, const std::string& secret) {
  ClientOptions o = client_options(emu, secret);
  o.request_timeout = kRequestTimeout;
  o.shutdown_timeout = 3s;
  return o;
}

// Waits (5 s at most) until the emulator has taken every fault rule's requests (count rules
// remove themselves when they fire): the request is then held by the server.
bool held_by_server(EmulatorProcess& emu) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (emu.admin("GET", "/admin/faults")["faults"].empty()) return true;
    std::this_thread::sleep_for(5ms);  // polling the server's state, with a deadline
  }
  return false;
}

void hang_token_exchange(EmulatorProcess& emu, bool apply) {
  emu.fault({{"mode", "hang"}, {"path", "/v1/runtime-tokens/request"}, {"count", 1}, {"apply", apply}});
}

// After the client delivered everything: the session is unknown to the server or released
// with nothing billed, and holds no slot.
void check_nothing_left(EmulatorProcess& emu, const std::string& session_id) {
  const auto row = emu.ledger_session(session_id);
  if (row.is_null()) return;
  CHECK(row.at("released") == true);
  CHECK(row.at("active_ms") == 0);
  CHECK(row.at("credits_charged") == 0);
  CHECK(row.value("slot_held", false) == false);
}

}  // namespace

TEST_CASE("a stop requested before start_session sends nothing", "[integration][interrupt]") {
  EmulatorProcess emu;
  const auto secret = unique_secret("stop_before");
  emu.create_account(secret, "free", 50);
  Client client(patient_options(emu, secret));
  StopSource stop;
  stop.request_stop();
  SessionOptions o;
  o.session_id = "interrupt-before";
  CHECK_THROWS_AS(client.start_session(o, stop.get_token()), Interrupted);
  CHECK(client.flush(5s));
  CHECK(emu.ledger_session("interrupt-before").is_null());
  CHECK(client.usage().sessions == 0);
}

TEST_CASE("a StopToken interrupts start_session against a hanging server, the server's session is released",
          "[integration][interrupt]") {
  const bool apply = GENERATE(true, false);  // the server made the session before it hung, or never
  CAPTURE(apply);
  EmulatorProcess emu;
  const auto secret = unique_secret("stop_start");
  emu.create_account(secret, "free", 50, 1);  // one slot: a leaked one would refuse the next start
  Client client(patient_options(emu, secret));
  hang_token_exchange(emu, apply);
  StopSource stop;
  SessionOptions o;
  o.session_id = apply ? "interrupt-applied" : "interrupt-unapplied";
  const auto started = std::chrono::steady_clock::now();
  auto call = std::async(std::launch::async, [&] { return client.start_session(o, stop.get_token()); });
  REQUIRE(held_by_server(emu));
  stop.request_stop();
  REQUIRE(call.wait_for(10s) == std::future_status::ready);
  CHECK_THROWS_AS(call.get(), Interrupted);
  CHECK(std::chrono::steady_clock::now() - started < kRequestTimeout / 2);  // interrupted, not timed out
  REQUIRE(client.flush(10s));  // the re-attach and the release of whatever the server made
  check_nothing_left(emu, o.session_id);
  if (apply) CHECK(emu.ledger_session(o.session_id).at("released") == true);
  // The one slot is free again: a new start succeeds and bills normally.
  auto s = client.start_session();
  s->stop();
  CHECK(client.flush(5s));
}

TEST_CASE("close() on another thread interrupts start_session and stays within shutdown_timeout",
          "[integration][interrupt][smoke]") {
  EmulatorProcess emu;
  const auto secret = unique_secret("close_start");
  emu.create_account(secret, "free", 50);
  auto client = std::make_unique<Client>(patient_options(emu, secret));
  hang_token_exchange(emu, /*apply=*/true);
  SessionOptions o;
  o.session_id = "interrupt-by-close";
  auto call = std::async(std::launch::async, [&] { return client->start_session(o); });
  REQUIRE(held_by_server(emu));
  const auto closing = std::chrono::steady_clock::now();
  client->close();
  CHECK(std::chrono::steady_clock::now() - closing < kRequestTimeout / 2);
  REQUIRE(call.wait_for(10s) == std::future_status::ready);
  try {
    call.get();
    FAIL("start_session() returned a session");
  } catch (const Interrupted& e) {
    CHECK(std::string(e.what()).find("closing") != std::string::npos);
  }
  // The drain of close() re-attached and released the session the server made.
  check_nothing_left(emu, o.session_id);
  CHECK(emu.ledger_session(o.session_id).at("released") == true);
  CHECK_THROWS_AS(client->start_session(), InvalidArgument);
  client.reset();
}

TEST_CASE("close() and a StopToken end flush and credit_summary at once", "[integration][interrupt][smoke]") {
  EmulatorProcess emu;
  const auto secret = unique_secret("close_flush");
  emu.create_account(secret, "free", 50);
  Client client(patient_options(emu, secret));
  auto session = client.start_session();
  emu.fault({{"mode", "hang"}, {"path", "/v2/credit-summaries"}, {"count", 1}});
  StopSource stop;
  auto summary = std::async(std::launch::async, [&] { return client.credit_summary(stop.get_token()); });
  REQUIRE(held_by_server(emu));
  stop.request_stop();
  REQUIRE(summary.wait_for(10s) == std::future_status::ready);
  CHECK_THROWS_AS(summary.get(), Interrupted);

  emu.fault({{"mode", "hang"}, {"path", "/v1/runtime-tokens/release"}});
  session->stop();  // its release hangs: flush waits for it
  StopSource flush_stop;
  auto flushed = std::async(std::launch::async, [&] { return client.flush(1h, flush_stop.get_token()); });
  CHECK(flushed.wait_for(200ms) == std::future_status::timeout);  // it does wait
  flush_stop.request_stop();
  REQUIRE(flushed.wait_for(10s) == std::future_status::ready);
  CHECK_FALSE(flushed.get());

  auto waiting = std::async(std::launch::async, [&] { return client.flush(1h); });
  CHECK(waiting.wait_for(200ms) == std::future_status::timeout);
  const auto closing = std::chrono::steady_clock::now();
  std::thread closer([&] { client.close(); });
  REQUIRE(waiting.wait_for(10s) == std::future_status::ready);
  CHECK_FALSE(waiting.get());
  closer.join();
  CHECK(std::chrono::steady_clock::now() - closing < kRequestTimeout / 2);
  client.close();  // idempotent
}

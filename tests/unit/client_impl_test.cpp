// The client hub (src/client_impl.cpp) over a FakeTransport and a ManualClock: where it opens
// its journal (or none), what it recovers from a dead process's journal at construction, a
// secretless client's journal named by its first token, and the shutdown order (sessions
// stopped, their last callbacks run, every later call refused).

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "client_harness.hpp"
#include "client_impl.hpp"
#include "core/journal_format.hpp"
#include "core/session_requests.hpp"
#include "creditmeter/errors.hpp"
#include "emulator_process.hpp"  // TempDir, wait_until
#include "journal.hpp"
#include "session_impl.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* kBase = "http://127.0.0.1:9";

// The journal files (*.journal) under `dir`, at any depth.
int journal_files(const std::string& dir) {
  int n = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.path().extension() == ".journal";
  return n;
}

// The token exchange's answer for `session_id` (the grant Harness's server gives).
detail::HttpResponse grant_response(const std::string& session_id) {
  return json_response(200, {{"token", make_jwt(1900000000, session_id)},
                             {"session_id", session_id},
                             {"expires_at", 1900000000},
                             {"heartbeat_interval_s", 60},
                             {"offline_grace_s", 300},
                             {"credits_per_minute", 2},
                             {"balance", 100}});
}

bool logged(const Harness& h, const std::string& part) {
  for (const auto& l : h.log_lines()) {
    if (l.find(part) != std::string::npos) return true;
  }
  return false;
}

bool has_header(const detail::HttpRequest& r, const std::string& header) {
  for (const auto& h : r.headers) {
    if (h == header) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("client hub: the journal opens at construction, one directory per server and account",
          "[unit][client_impl]") {
  TempDir dir;
  Harness h(60, 300, dir.path());
  const std::string expected =
      detail::Journal::directory(dir.path(), kBase, detail::account_key_from_secret(Harness::kSecret));
  CHECK(fs::is_directory(expected));
  CHECK(journal_files(expected) == 1);
  // The secret names the directory only through a hash.
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
    CHECK(e.path().string().find(Harness::kSecret) == std::string::npos);
  }
}

TEST_CASE("client hub: journal_dir \"\" means no journal at all", "[unit][client_impl]") {
  TempDir state_home;  // where a default journal would go
  const std::string saved = std::getenv("XDG_STATE_HOME");
  ::setenv("XDG_STATE_HOME", state_home.path().c_str(), 1);
  {
    Harness h;  // journal_dir ""
    auto s = h.client->start_session();
    s->stop();
  }
  CHECK(journal_files(state_home.path()) == 0);
  CHECK(fs::is_empty(state_home.path()));
  ::setenv("XDG_STATE_HOME", saved.c_str(), 1);
}

TEST_CASE("client hub: a dead process's unacknowledged heartbeat is re-attached and resent as it was",
          "[unit][client_impl]") {
  TempDir dir;
  const core::SessionRequests dead_session("dead-1", "essence", "cloud");
  core::Outgoing heartbeat = dead_session.heartbeat(3, 1500, 1'700'000'000'000, 1'700'000'060'000);
  heartbeat.idempotency_key = core::idempotency_key("dead-1", 3);
  {
    const detail::Logger quiet(nullptr, LogLevel::error, "");
    auto dead = detail::Journal::open(dir.path(), kBase, detail::account_key_from_secret(Harness::kSecret),
                                      1 << 20, quiet);
    REQUIRE(dead);
    dead->append(core::session_record("dead-1", "essence", "cloud", 60000, 300000));
    core::JournalOp sent;
    sent.kind = core::JournalOp::Kind::sent;
    sent.request = heartbeat;
    dead->append_ops("dead-1", {sent});
    REQUIRE(dead->commit());
  }  // closed without `clean`: what a kill -9 leaves

  Harness h(60, 300, dir.path());
  // A dead process's token is no use: the session re-attaches first, with its own id.
  REQUIRE(h.transport->wait_for_requests(1));
  const auto exchange = h.transport->requests().at(0);
  CHECK(exchange.url == std::string(kBase) + "/v1/runtime-tokens/request");
  CHECK(nlohmann::json::parse(exchange.body).at("session_id") == "dead-1");
  REQUIRE(h.transport->respond(grant_response("dead-1")));
  REQUIRE(h.transport->wait_for_requests(2));
  const auto resent = h.transport->requests().at(1);
  CHECK(resent.body == heartbeat.body);  // byte-identical: the server absorbs a duplicate
  CHECK(has_header(resent, "Idempotency-Key: dead-1:3"));
  CHECK(logged(h, "recovering 0 ms of unreported usage, 1 unacknowledged request(s) and 0 unsettled usage event(s)"));
}

TEST_CASE("client hub: a secretless client opens its journal under its first token's account",
          "[unit][client_impl]") {
  TempDir dir;
  auto transport = std::make_shared<FakeTransport>();
  ClientOptions o;
  o.base_url = kBase;
  o.clock = std::make_shared<ManualClock>();
  o.journal_dir = dir.path();
  o.shutdown_timeout = 0ms;
  o.token_provider = [](const std::string& session_id) { return grant_response(session_id).body; };
  o.transport = transport;
  auto client = detail::ClientImpl::create(std::move(o));
  CHECK(journal_files(dir.path()) == 0);  // no account known yet
  auto s = client->start_session(SessionOptions{});
  // make_jwt's `sub` is "acct": the journal is that account's.
  CHECK(journal_files(detail::Journal::directory(dir.path(), kBase, "acct")) == 1);
  client->shutdown();
}

TEST_CASE("client hub: shutdown stops every session, runs their last callbacks, then refuses calls",
          "[unit][client_impl]") {
  auto transport = std::make_shared<FakeTransport>();
  transport->set_sync_handler([](const detail::HttpRequest& r) {
    return grant_response(nlohmann::json::parse(r.body).at("session_id").get<std::string>());
  });
  ClientOptions o;
  o.base_url = kBase;
  o.api_secret = Harness::kSecret;
  o.clock = std::make_shared<ManualClock>();
  o.journal_dir = "";
  o.shutdown_timeout = 0ms;
  o.transport = transport;
  auto client = detail::ClientImpl::create(std::move(o));

  ChangeRecorder changes;
  SessionOptions so;
  so.on_state_change = changes.callback();
  auto a = client->start_session(so);
  a->open_callbacks();
  auto b = client->start_session(SessionOptions{});
  b->open_callbacks();

  client->shutdown();
  CHECK(a->state() == SessionState::stopped);
  CHECK(b->state() == SessionState::stopped);
  // Run before shutdown returned: no wait needed.
  const auto seen = changes.changes();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].to == SessionState::stopped);

  CHECK_THROWS_WITH(client->start_session(SessionOptions{}), Catch::Contains("shut down"));
  CHECK_THROWS_WITH(client->flush(1s), Catch::Contains("shut down"));
  CHECK_THROWS_WITH(client->credit_summary(), Catch::Contains("shut down"));
  CHECK_NOTHROW(client->shutdown());  // a second shutdown does nothing
}

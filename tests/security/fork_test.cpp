// fork(): a child using the parent's Client gets a clear InvalidArgument, never a hang; a new
// Client made in the child works. The child reports through its exit code; the parent waits
// with a deadline (a hung child is killed and fails the test).

#include <catch2/catch.hpp>

#include <unistd.h>

#include <memory>

#include "security_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

// Child exit codes.
enum : int {
  kChildOk = 0,
  kNoException = 10,
  kWrongException = 11,
  kUnclearMessage = 12,
  kNewClientFailed = 13,
  kNewClientNotBilled = 14,
};

ClientOptions options_for(const EmulatorProcess& emu, const std::string& secret) {
  ClientOptions o;
  o.base_url = emu.base_url();
  o.api_secret = secret;
  o.journal_dir = "";
  o.connect_timeout = 2s;
  o.request_timeout = 5s;
  o.shutdown_timeout = 1s;
  return o;
}

// Runs `child` in a fork()ed process and returns its exit code (see wait_child).
template <typename F>
int in_child(F child, std::chrono::milliseconds deadline = 20s) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 99;
    try {
      code = child();
    } catch (...) {
      code = 98;
    }
    ::_exit(code);  // no atexit handlers, no destructors of the parent's objects
  }
  REQUIRE(pid > 0);
  return wait_child(pid, deadline);
}

int inherited_client_refuses(Client& client, bool summary) {
  try {
    if (summary) client.credit_summary();
    else client.start_session();
    return kNoException;
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    return what.find("fork()") != std::string::npos && what.find("new Client") != std::string::npos
               ? kChildOk
               : kUnclearMessage;
  } catch (...) {
    return kWrongException;
  }
}

}  // namespace

TEST_CASE("fork: the parent's Client in a child throws InvalidArgument, a new Client works", "[security][fork]") {
  EmulatorProcess emu;
  const std::string secret = "sk_test_fork_0123456789";
  emu.create_account(secret, "pro", 100);
  Client parent_client(options_for(emu, secret));
  // The scheduler thread runs in the parent when the fork happens.
  auto parent_session = parent_client.start_session();

  SECTION("start_session on the inherited Client") {
    CHECK(in_child([&] { return inherited_client_refuses(parent_client, false); }) == kChildOk);
  }
  SECTION("credit_summary on the inherited Client") {
    CHECK(in_child([&] { return inherited_client_refuses(parent_client, true); }) == kChildOk);
  }
  SECTION("flush on the inherited Client") {
    CHECK(in_child([&] {
            try {
              parent_client.flush(1s);
              return int(kNoException);
            } catch (const InvalidArgument&) {
              return int(kChildOk);
            }
          }) == kChildOk);
  }
  SECTION("a new Client in the child starts, bills and stops a session") {
    TempDir dir;
    const std::string id_file = dir.file("sid");
    const int code = in_child([&] {
      if (inherited_client_refuses(parent_client, false) != kChildOk) return int(kWrongException);
      try {
        Client child_client(options_for(emu, secret));
        SessionOptions so;
        so.session_id = "fork-child-session";
        auto s = child_client.start_session(so);
        if (!s->may_render()) return int(kNewClientFailed);
        s->stop();
        if (!child_client.flush(5s)) return int(kNewClientNotBilled);
        return int(kChildOk);
      } catch (...) {
        return int(kNewClientFailed);
      }
    });
    CHECK(code == kChildOk);
    const auto row = emu.ledger_session("fork-child-session");
    REQUIRE(row.is_object());
    CHECK(row.at("released") == true);
  }
  // The parent's Client is untouched by all of it.
  CHECK(parent_session->may_render());
  parent_session->stop();
  CHECK(parent_client.flush(5s));
  CHECK(emu.ledger_session(parent_session->id()).at("released") == true);
}

// A child that simply lets the inherited objects go (a scope ends, exit() runs destructors)
// must not hang joining a scheduler thread that does not exist in it.
TEST_CASE("fork: destroying the inherited Session and Client in a child neither hangs nor crashes",
          "[security][fork]") {
  EmulatorProcess emu;
  const std::string secret = "sk_test_fork_destroy_0123456789";
  emu.create_account(secret, "pro", 100);
  auto client = std::make_unique<Client>(options_for(emu, secret));
  auto session = client->start_session();
  const int code = in_child(
      [&] {
        session.reset();
        client.reset();
        return int(kChildOk);
      },
      10s);
  CHECK(code == kChildOk);
  // The parent still bills its session normally.
  session->stop();
  CHECK(client->flush(5s));
  CHECK(emu.ledger_session(session->id()).at("released") == true);
}

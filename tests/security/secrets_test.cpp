// The API secret and tokens never appear in logs, exception messages, state-change messages
// or the journal, whatever faults happen. Every line is captured at LogLevel::debug.

#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <thread>

#include "../integration/integration_support.hpp"
#include "security_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

// Tokens are JWTs: base64url of '{"' is "eyJ", so any token, header or payload shows it.
const char* const kTokenMark = "eyJ";

struct Leaks {
  std::vector<std::string> secrets;
  // Every place where a secret or token-looking string occurs in `text`.
  std::vector<std::string> in(const std::string& where, const std::string& text) const {
    std::vector<std::string> found;
    for (const auto& s : secrets) {
      if (text.find(s) != std::string::npos) found.push_back(where + " holds a secret: " + text.substr(0, 300));
    }
    if (text.find(kTokenMark) != std::string::npos) found.push_back(where + " holds a token: " + text.substr(0, 300));
    return found;
  }
};

void expect_throw_captured(LogCapture& messages, const std::function<void()>& call) {
  try {
    call();
    messages.add("no exception");
  } catch (const std::exception& e) {
    messages.add(std::string("exception: ") + e.what());
  }
}

}  // namespace

TEST_CASE("secrets and tokens never appear in logs, exceptions, state messages or the journal",
          "[security][secrets]") {
  EmulatorProcess emu;
  emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 10}, {"token_ttl_s", 2}});
  const std::string secret = "sk_live_SeCrEt_4f9a1c7e2b8d";
  const std::string broke_secret = "sk_live_BrOkE_7d2e9a0c1f3b";
  emu.create_account(secret, "pro", 500, 60);
  emu.create_account(broke_secret, "free", 0);
  Leaks leaks{{secret, broke_secret, "SeCrEt_4f9a", "BrOkE_7d2e"}};

  TempDir journal;
  LogCapture logs;      // every log line of every Client
  LogCapture messages;  // every exception and state-change message
  auto options = [&](const std::string& s) {
    ClientOptions o;
    o.base_url = emu.base_url();
    o.api_secret = s;
    o.journal_dir = journal.path();
    o.connect_timeout = 2s;
    o.request_timeout = 3s;
    o.shutdown_timeout = 1s;
    o.log = logs.callback();
    o.log_level = LogLevel::debug;
    return o;
  };

  // The journal while sessions run (a clean shutdown compacts it away).
  std::string journal_bytes;
  std::vector<std::string> loose_permissions;
  auto snapshot_journal = [&] {
    journal_bytes += all_files_under(journal.path());
    // Owner-only: the SDK's directories 0700, its files 0600 (whatever the umask allows less).
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(journal.path(), ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      const auto perms = it->status().permissions();
      if ((perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) !=
          std::filesystem::perms::none) {
        loose_permissions.push_back(it->path().string());
      }
    }
  };

  {
    Client client(options(secret));
    SessionOptions so;
    so.on_state_change = [&](const StateChange& c) {
      messages.add("state " + to_string(c.to) + " " + to_string(c.reason) + ": " + c.message);
    };
    auto s = client.start_session(so);
    Renderer r(*s);
    auto acks = [&](std::uint64_t more) {
      const auto target = s->stats().heartbeats_ok + more;
      return wait_until([&] { return s->stats().heartbeats_ok >= target; }, 15s);
    };
    auto failures = [&](std::uint64_t more) {
      const auto target = s->stats().heartbeats_failed + more;
      return wait_until([&] { return s->stats().heartbeats_failed >= target; }, 10s);
    };
    REQUIRE(acks(2));

    // Connection refused, then 500s.
    emu.fault({{"mode", "refuse"}});
    CHECK(failures(1));
    emu.clear_faults();
    REQUIRE(acks(1));
    emu.fault({{"mode", "status"}, {"status", 500}, {"code", "INTERNAL"}});
    CHECK(failures(1));
    emu.clear_faults();
    REQUIRE(acks(1));

    // The token expires during an outage: 401 TOKEN_EXPIRED, re-attach with the secret.
    emu.fault({{"mode", "refuse"}});
    std::this_thread::sleep_for(3500ms);  // the simulated outage outlives the token
    emu.clear_faults();
    REQUIRE(acks(2));
    snapshot_journal();
    // And a 401 INVALID_TOKEN answer.
    emu.fault({{"mode", "status"}, {"status", 401}, {"code", "INVALID_TOKEN"}});
    CHECK(failures(1));
    emu.clear_faults();
    REQUIRE(acks(1));

    // 429 with Retry-After, then a 402 (processed, so acknowledged), then back.
    emu.fault({{"mode", "status"}, {"status", 429}, {"code", "RATE_LIMITED"}, {"retry_after", "1"}});
    CHECK(failures(1));
    emu.clear_faults();
    REQUIRE(acks(1));
    emu.fault({{"mode", "status"}, {"status", 402}, {"code", "INSUFFICIENT_BALANCE"}, {"apply", true}});
    wait_until([&] { return s->state() == SessionState::paused_billing; }, 5s);
    emu.clear_faults();
    wait_until([&] { return s->state() == SessionState::active; }, 10s);
    snapshot_journal();

    // Credit summary with a wrong secret; a start refused for balance and for a bad secret.
    Client wrong(options("sk_live_WrOnG_000000000000"));
    leaks.secrets.push_back("sk_live_WrOnG_000000000000");
    expect_throw_captured(messages, [&] { wrong.credit_summary(); });
    expect_throw_captured(messages, [&] { wrong.start_session(); });
    Client broke(options(broke_secret));
    expect_throw_captured(messages, [&] { broke.start_session(); });
    CHECK(broke.credit_summary().balance <= 0);

    // Starts through transport faults.
    emu.fault({{"mode", "refuse"}});
    expect_throw_captured(messages, [&] { client.start_session(); });
    emu.clear_faults();
    emu.fault({{"mode", "status"}, {"status", 503}, {"code", "UNAVAILABLE"}});
    expect_throw_captured(messages, [&] { client.start_session(); });
    emu.clear_faults();
    emu.fault({{"mode", "status"}, {"status", 429}, {"code", "RATE_LIMITED"}, {"retry_after", "2"}});
    expect_throw_captured(messages, [&] { client.start_session(); });
    emu.clear_faults();

    // Finally the key is revoked: the heartbeat's 403 pauses the session; a start is refused.
    emu.revoke(secret);
    CHECK(wait_until([&] { return s->state() == SessionState::paused_billing; }, 10s));
    expect_throw_captured(messages, [&] { client.start_session(); });
    expect_throw_captured(messages, [&] { client.credit_summary(); });
    snapshot_journal();
    r.stop();
    s->stop();
    client.flush(3s);
    // ~Client logs what stays undelivered, if anything.
  }
  // A Client whose server is gone: its journal and its shutdown log.
  {
    ClientOptions o = options(secret);
    o.base_url = "http://127.0.0.1:1";
    Client offline(o);
    expect_throw_captured(messages, [&] { offline.start_session(); });
  }

  const auto log_lines = logs.lines();
  const auto message_lines = messages.lines();
  INFO(log_lines.size() << " log lines, " << message_lines.size() << " messages");
  CHECK(log_lines.size() >= 5);
  CHECK(message_lines.size() >= 10);
  std::vector<std::string> found;
  for (const auto& l : log_lines) {
    for (auto& f : leaks.in("log", l)) found.push_back(f);
  }
  for (const auto& m : message_lines) {
    for (auto& f : leaks.in("message", m)) found.push_back(f);
  }
  CHECK_FALSE(journal_bytes.empty());
  for (const auto& p : loose_permissions) found.push_back("readable by others: " + p);
  for (auto& f : leaks.in("journal", journal_bytes)) found.push_back(f);
  for (const auto& f : found) UNSCOPED_INFO(f);
  CHECK(found.empty());
  // The messages are still useful: they say what went wrong.
  bool names_secret_problem = false;
  for (const auto& m : message_lines) names_secret_problem |= m.find("check your API secret") != std::string::npos;
  CHECK(names_secret_problem);
}

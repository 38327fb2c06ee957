// The creditmeter binary itself, run as a child process against a real emulator: its output,
// its JSON, and the exit code of every kind of failure.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli_process.hpp"
#include "emulator_process.hpp"

using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

// The flags that point the CLI at this emulator with this secret.
std::vector<std::string> with_server(const EmulatorProcess& emulator, const std::string& secret,
                                     std::vector<std::string> args) {
  args.insert(args.end(), {"--base-url", emulator.base_url(), "--api-secret", secret});
  return args;
}

// A loopback port that refuses connections for as long as this lives: bound, never listening.
class RefusingPort {
 public:
  RefusingPort() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~RefusingPort() { close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_;
  int port_ = 0;
};

void check_no_secret(const CliResult& r, const std::string& secret) {
  CHECK(r.out.find(secret) == std::string::npos);
  CHECK(r.err.find(secret) == std::string::npos);
}

}  // namespace

TEST_CASE("help: --help names every command, --version, per-command help", "[cli][smoke]") {
  const auto help = run_cli({"--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("balance") && Catch::Contains("simulate") && Catch::Contains("exit codes"));
  CHECK(run_cli({"-h"}).out == help.out);

  const auto simulate = run_cli({"simulate", "--help"});
  CHECK(simulate.exit_code == 0);
  CHECK_THAT(simulate.out, Catch::Contains("--duration") && Catch::Contains("--fps") && Catch::Contains("--base-url"));
  const auto balance = run_cli({"--help", "balance"});
  CHECK(balance.exit_code == 0);
  CHECK_THAT(balance.out, Catch::Contains("creditmeter balance") && Catch::Contains("--json"));

  const auto version = run_cli({"--version"});
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Catch::StartsWith("creditmeter ") && Catch::Matches("creditmeter [0-9]+\\.[0-9]+\\.[0-9]+\n"));
}

TEST_CASE("usage errors exit 2 with a clear message, before any network call", "[cli]") {
  // The base URL refuses connections: a usage error must be found before it is tried.
  RefusingPort port;
  const std::vector<std::string> server = {"--base-url", port.url(), "--api-secret", "sk"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), server.begin(), server.end());
    return run_cli(args);
  };
  const auto bad_duration = with({"simulate", "--duration", "2x"});
  CHECK(bad_duration.exit_code == 2);
  CHECK_THAT(bad_duration.err, Catch::Contains("invalid duration '2x'"));
  CHECK(bad_duration.out.empty());

  CHECK(with({"simulate", "--duration", "1.5s"}).exit_code == 2);
  CHECK(with({"simulate", "--duration", "0"}).exit_code == 2);
  CHECK_THAT(with({"simulate"}).err, Catch::Contains("needs --duration"));
  CHECK_THAT(with({"simulate", "--duration", "1s", "--fps", "0"}).err, Catch::Contains("--fps must be"));
  CHECK(with({"frobnicate"}).exit_code == 2);
  CHECK(with({"balance", "--bogus"}).exit_code == 2);
  CHECK(run_cli({}).exit_code == 2);

  // No base URL anywhere: the SDK's own message, still a usage error.
  const auto no_url = run_cli({"balance", "--api-secret", "sk"});
  CHECK(no_url.exit_code == 2);
  CHECK_THAT(no_url.err, Catch::Contains("CREDITMETER_BASE_URL"));

  // With --json the failure is also one JSON object on stdout.
  const auto json = with({"simulate", "--duration", "soon", "--json"});
  CHECK(json.exit_code == 2);
  CHECK(json.json()["error"]["exit_code"] == 2);
}

TEST_CASE("balance --json shows the account's figures, server and secret from the environment", "[cli]") {
  EmulatorProcess emulator;
  const std::string secret = "sk_cli_balance";
  emulator.create_account(secret, "creator", 12.5);
  const CliEnv env = {{"CREDITMETER_BASE_URL", emulator.base_url()}, {"CREDITMETER_API_SECRET", secret}};

  const auto r = run_cli({"balance", "--json"}, env);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto summary = r.json();
  const auto account = emulator.account(secret);
  CHECK(summary["balance"].get<double>() == Approx(account["balance"].get<double>()));
  CHECK(summary["balance"].get<double>() == Approx(12.5));
  CHECK(summary["plan"] == "creator");
  CHECK(summary["renews_at"].is_string());
  // The server's figures: whole minutes at the seed rates (2, 4, 1, 2, 2 credits a minute).
  const auto& minutes = summary["estimated_minutes"];
  CHECK(minutes["essence_cloud"] == 6);
  CHECK(minutes["expression_cloud"] == 3);
  CHECK(minutes["essence_self_hosted"] == 12);
  CHECK(minutes["expression_self_hosted"] == 6);
  CHECK(minutes["expression_on_device"] == 6);
  check_no_secret(r, secret);

  // The table: the same figures, no thousands separators.
  emulator.topup(secret, 1234);
  const auto table = run_cli({"balance"}, env);
  CHECK(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("1246.500 credits") && Catch::Contains("creator") &&
                            Catch::Contains("essence_cloud"));
}

TEST_CASE("a wrong or revoked API secret exits 3 without showing it", "[cli]") {
  EmulatorProcess emulator;
  emulator.create_account("sk_right", "free", 10);
  const std::string wrong = "sk_wrong_do_not_print";
  const auto balance = run_cli(with_server(emulator, wrong, {"balance"}));
  CHECK(balance.exit_code == 3);
  CHECK_FALSE(balance.err.empty());
  check_no_secret(balance, wrong);

  const auto simulate = run_cli(with_server(emulator, wrong, {"simulate", "--duration", "1s", "--json"}));
  CHECK(simulate.exit_code == 3);
  CHECK(simulate.json()["error"]["code"] == "INVALID_API_SECRET");
  check_no_secret(simulate, wrong);

  emulator.revoke("sk_right");
  const auto revoked = run_cli(with_server(emulator, "sk_right", {"balance", "--json"}));
  CHECK(revoked.exit_code == 3);
  CHECK(revoked.json()["error"]["code"] == "KEY_REVOKED");
}

TEST_CASE("a zero balance refuses the start with exit 4", "[cli]") {
  EmulatorProcess emulator;
  emulator.create_account("sk_empty", "free", 0);
  const auto r = run_cli(with_server(emulator, "sk_empty", {"simulate", "--duration", "1s", "--json"}));
  CHECK(r.exit_code == 4);
  CHECK(r.json()["error"]["code"] == "INSUFFICIENT_BALANCE");
  CHECK(emulator.ledger()["sessions"].empty());
}

TEST_CASE("the plan's concurrency limit exits 5", "[cli]") {
  EmulatorProcess emulator;
  emulator.create_account("sk_busy", "free", 10, 1);
  // Another engine holds the account's only slot.
  const auto held = http_request("POST", emulator.base_url() + "/v1/runtime-tokens/request",
                                 {{"api-secret", "sk_busy"}, {"content-type", "application/json"}}, "{}");
  REQUIRE(held.status == 200);
  const auto r = run_cli(with_server(emulator, "sk_busy", {"simulate", "--duration", "1s"}));
  CHECK(r.exit_code == 5);
  CHECK_FALSE(r.err.empty());
}

TEST_CASE("an unreachable server exits 6", "[cli]") {
  RefusingPort port;
  const auto balance = run_cli({"balance", "--base-url", port.url(), "--api-secret", "sk"});
  CHECK(balance.exit_code == 6);
  CHECK_FALSE(balance.err.empty());
  CHECK(run_cli({"simulate", "--duration", "1s", "--base-url", port.url(), "--api-secret", "sk"}).exit_code == 6);
}

TEST_CASE("simulate --json: the client's active time is exactly the ledger's", "[cli]") {
  EmulatorProcess emulator;
  emulator.configure({{"heartbeat_interval_s", 1}});
  emulator.create_account("sk_sim", "creator", 100);

  const auto r = run_cli(with_server(emulator, "sk_sim", {"simulate", "--duration", "2s", "--fps", "25", "--json"}));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto out = r.json();
  const auto row = emulator.ledger_session(out["session_id"].get<std::string>());
  REQUIRE(row.is_object());
  CHECK(out["active_ms"] == row["active_ms"]);
  CHECK(out["reported_ms"] == out["active_ms"]);
  CHECK(row["released"] == true);
  // 2 s of rendering at 25 fps, less at most the idle tail after the last frame.
  CHECK(out["active_ms"].get<long>() >= 1000);
  CHECK(out["active_ms"].get<long>() <= out["ran_ms"].get<long>() + 100);
  CHECK(out["credits_charged"].get<double>() == Approx(row["credits_charged"].get<double>()));
  CHECK(out["balance"].get<double>() == Approx(emulator.account("sk_sim")["balance"].get<double>()));
  CHECK(out["heartbeats_ok"].get<long>() >= 2);  // at least one heartbeat and the release
  CHECK(out["heartbeats_failed"] == 0);
  CHECK(out["frames"].get<long>() >= 25);  // 50 due; a loaded machine drops some, never bursts
  CHECK(out["flushed"] == true);
  CHECK(out["end_state"] == "active");
  CHECK(out["state"] == "stopped");
  CHECK(out["interrupted"] == false);
  CHECK(out["state_changes"].is_array());
  CHECK(out["exit_code"] == 0);
}

TEST_CASE("simulate, not on a terminal: plain lines, state changes as they happen, exit 4 when credits run out",
          "[cli]") {
  EmulatorProcess emulator;
  emulator.configure({{"heartbeat_interval_s", 1}});
  // 0.02 credits at 2 credits a minute: 0.6 s. The first heartbeat (1 s) leaves a debt: 402.
  emulator.create_account("sk_low", "creator", 0.02);

  // 5 s leaves a loaded machine seconds of margin after the first heartbeat (due at 1 s).
  const auto r = run_cli(with_server(emulator, "sk_low", {"simulate", "--duration", "5s", "--interval", "500ms"}));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 4);
  CHECK(r.out.find('\r') == std::string::npos);
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK_THAT(r.out, Catch::Contains("state: active -> paused_billing (insufficient_credits)"));
  CHECK_THAT(r.out, Catch::Contains("paused_billing  active"));  // a periodic line while paused
  CHECK_THAT(r.out, Catch::Contains("summary:") && Catch::Contains("at the end   paused_billing"));
  CHECK_THAT(r.out, Catch::Contains("delivery     complete"));
  // The session's usage was still delivered and billed once.
  const auto sessions = emulator.ledger()["sessions"];
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0]["released"] == true);
  CHECK(emulator.account("sk_low")["balance"].get<double>() < 0);
}

TEST_CASE("simulate on a terminal redraws one status line in place", "[cli]") {
  EmulatorProcess emulator;
  emulator.configure({{"heartbeat_interval_s", 1}});
  emulator.create_account("sk_tty", "creator", 100);

  CliProcess process(with_server(emulator, "sk_tty", {"simulate", "--duration", "1500ms"}), {}, true);
  const auto r = process.wait();
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("\r") && Catch::Contains("\x1b[K") && Catch::Contains("  active  active "));
  CHECK_THAT(r.out, Catch::Contains("delivery     complete"));
}

TEST_CASE("Ctrl-C ends simulate early and still delivers the usage", "[cli]") {
  EmulatorProcess emulator;
  emulator.configure({{"heartbeat_interval_s", 1}});
  emulator.create_account("sk_int", "creator", 100);

  CliProcess process(with_server(emulator, "sk_int", {"simulate", "--duration", "10m", "--json"}));
  // Interrupt once the server has billed a heartbeat: the run is really under way.
  REQUIRE(wait_until(
      [&] {
        const auto sessions = emulator.ledger()["sessions"];
        return !sessions.empty() && sessions[0]["active_ms"].get<long>() > 0;
      },
      20s));
  kill(process.pid(), SIGINT);
  const auto r = process.wait(30s);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  const auto out = r.json();
  CHECK(out["interrupted"] == true);
  CHECK(out["ran_ms"].get<long>() < 60'000);
  CHECK(out["active_ms"] == emulator.ledger_session(out["session_id"].get<std::string>())["active_ms"]);
}

TEST_CASE("the SDK's messages name the CLI's flags, not C++ fields", "[cli]") {
  const auto bad_url = run_cli({"balance", "--base-url", "ftp://example.com", "--api-secret", "sk"});
  CHECK(bad_url.exit_code == 2);
  CHECK_THAT(bad_url.err, Catch::Contains("--base-url"));
  CHECK(bad_url.err.find("base_url") == std::string::npos);
  CHECK(bad_url.err.find("ClientOptions") == std::string::npos);

  RefusingPort port;
  const auto no_secret = run_cli({"balance", "--base-url", port.url()});
  CHECK(no_secret.exit_code == 2);
  CHECK_THAT(no_secret.err, Catch::Contains("--api-secret") && Catch::Contains("CREDITMETER_API_SECRET"));
  CHECK(no_secret.err.find("token_provider") == std::string::npos);
}

TEST_CASE("a server's control characters never reach the terminal raw, Retry-After is in the JSON error", "[cli]") {
  EmulatorProcess emulator;
  emulator.create_account("sk_escape", "free", 10);
  emulator.fault({{"mode", "status"}, {"status", 503}, {"code", "X\x1b[31mRED\r\nFORGED"}, {"retry_after", 7}});
  const auto r = run_cli(with_server(emulator, "sk_escape", {"simulate", "--duration", "1s", "--json"}));
  CHECK(r.exit_code == 6);
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK_THAT(r.err, Catch::Contains("X\\x1b[31mRED\\r\\nFORGED"));
  CHECK(r.json()["error"]["retry_after_ms"] == 7000);
}

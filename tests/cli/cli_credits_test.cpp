// The credits options of `creditmeter simulate` (--max-credits, --low-balance-minutes), run as a
// child process against a real emulator.
#include <catch2/catch.hpp>

#include "cli_process.hpp"
#include "emulator_process.hpp"

using namespace creditmeter::testing;

namespace {

std::vector<std::string> server_args(const EmulatorProcess& emulator, const std::string& secret,
                                     std::vector<std::string> args) {
  args.insert(args.end(), {"--base-url", emulator.base_url(), "--api-secret", secret});
  return args;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("simulate --max-credits ends paused by the spend cap: exit 4", "[cli][credits]") {
  EmulatorProcess emulator;
  emulator.configure({{"heartbeat_interval_s", 1}});
  emulator.create_account("sk_cap", "creator", 100);

  // 0.05 credits at 2 credits a minute: 1.5 s of a 4 s run.
  const auto r = run_cli(server_args(emulator, "sk_cap", {"simulate", "--duration", "4s", "--max-credits", "0.05",
                                                          "--json"}));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 4);
  const auto out = r.json();
  CHECK(out["end_state"] == "paused_billing");
  CHECK(out["end_reason"] == "spend_cap");
  CHECK(out["exit_code"] == 4);
  CHECK(out["max_credits"].get<double>() == Approx(0.05));
  // At most a late scheduler wake-up's worth above the cap (docs/CREDITS.md).
  CHECK(out["credits_charged"].get<double>() <= 0.06);
  CHECK(out["credits_charged"].get<double>() > 0);
  CHECK(out["minutes_left"].get<double>() == Approx(out["balance"].get<double>() / 2));
  CHECK(out["low_balance_alerts"].empty());
  CHECK(out["flushed"] == true);
  bool paused = false;
  for (const auto& c : out["state_changes"]) paused = paused || (c["to"] == "paused_billing" && c["reason"] == "spend_cap");
  CHECK(paused);
}

TEST_CASE("simulate prints minutes left and one low-balance alert", "[cli][credits]") {
  EmulatorProcess emulator;
  emulator.configure({{"heartbeat_interval_s", 1}});
  emulator.create_account("sk_lowalert", "creator", 10);  // 5 minutes at 2 credits a minute

  const auto r = run_cli(server_args(emulator, "sk_lowalert", {"simulate", "--duration", "3s", "--interval", "1s",
                                                               "--low-balance-minutes", "60"}));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(count(r.out, "low balance: ") == 1);
  CHECK_THAT(r.out, Catch::Contains(" credits left, about "));
  CHECK_THAT(r.out, Catch::Contains(" cr  left "));          // the progress line
  CHECK_THAT(r.out, Catch::Contains("of runtime left"));       // the summary
  CHECK_THAT(r.out, Catch::Contains("0 retried"));
}

TEST_CASE("bad credit options are usage errors", "[cli][credits]") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"simulate", "--duration", "1s", "--max-credits", "-1"},
           {"simulate", "--duration", "1s", "--max-credits", "lots"},
           {"simulate", "--duration", "1s", "--max-credits", "inf"},
           {"simulate", "--duration", "1s", "--low-balance-minutes", "5m"}}) {
    const auto r = run_cli(args, {{"CREDITMETER_BASE_URL", "http://127.0.0.1:9"}, {"CREDITMETER_API_SECRET", "sk"}});
    INFO(args.back() << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("must be a number >= 0"));
  }
  const auto help = run_cli({"simulate", "--help"});
  CHECK_THAT(help.out, Catch::Contains("--max-credits X") && Catch::Contains("--low-balance-minutes"));
}

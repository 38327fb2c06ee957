// Usage events in `creditmeter simulate --event` and the account's unit in what the CLI prints,
// run as a child process against a real emulator.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "cli_process.hpp"
#include "emulator_process.hpp"

using namespace creditmeter::testing;

namespace {

std::vector<std::string> on_server(const EmulatorProcess& emulator, const std::string& secret,
                                   std::vector<std::string> args) {
  args.insert(args.end(), {"--base-url", emulator.base_url(), "--api-secret", secret});
  return args;
}

}  // namespace

TEST_CASE("simulate --event: every event charged once at its price, an unknown action rejected", "[cli][events]") {
  EmulatorProcess emulator;
  emulator.configure({{"heartbeat_interval_s", 1}});
  emulator.create_account("sk_events", "creator", 1000);

  const auto r = run_cli(on_server(emulator, "sk_events",
                                   {"simulate", "--duration", "2500ms", "--json", "--event", "llm_gpt4:every=1s",
                                    "--event", "tts_seconds:every=1s:quantity=1.5", "--event",
                                    "no_such_action:every=2s"}));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto out = r.json();
  const std::string session_id = out["session_id"].get<std::string>();

  // What the CLI recorded per --event (the first at the start) is what the SDK counted.
  REQUIRE(out["events"].size() == 3);
  std::map<std::string, long> recorded;
  long total = 0;
  for (const auto& e : out["events"]) {
    recorded[e["action"].get<std::string>()] = e["recorded"].get<long>();
    total += e["recorded"].get<long>();
    CHECK(e["recorded"].get<long>() >= 1);
  }
  CHECK(out["events"][1]["quantity"].get<double>() == 1.5);
  CHECK(out["events"][0]["quantity"].is_null());
  CHECK(out["events_recorded"] == total);
  CHECK(out["events_pending"] == 0);
  CHECK(out["events_rejected"] == recorded["no_such_action"]);
  CHECK(out["events_acknowledged"] == recorded["llm_gpt4"] + recorded["tts_seconds"]);
  CHECK(out["flushed"] == true);
  CHECK(out["unit"] == "credits");

  // The rejected ones, as the callback reported them.
  REQUIRE(out["rejected_events"].size() == static_cast<std::size_t>(recorded["no_such_action"]));
  for (const auto& rej : out["rejected_events"]) {
    CHECK(rej["action"] == "no_such_action");
    CHECK(rej["code"] == "UNKNOWN_ACTION");
    CHECK(rej["quantity"].get<double>() == 1.0);
    CHECK(rej["event_id"].get<std::string>().size() == 36);
  }

  // The ledger: each acknowledged event once, at floor(quantity_milli * price_micro / 10^6)
  // milli-credits: llm_gpt4 10, tts_seconds 1.5 s at 83333 micro-credits = 124 mc.
  const auto events = emulator.ledger_events(session_id);
  CHECK(events.size() == static_cast<std::size_t>(out["events_acknowledged"].get<long>()));
  std::map<std::string, int> seen;
  for (const auto& e : events) {
    ++seen[e["action"].get<std::string>()];
    if (e["action"] == "llm_gpt4") CHECK(e["credits_charged"].get<double>() == Approx(10.0));
    if (e["action"] == "tts_seconds") CHECK(e["credits_charged"].get<double>() == Approx(0.124));
  }
  CHECK(seen["llm_gpt4"] == recorded["llm_gpt4"]);
  CHECK(seen["tts_seconds"] == recorded["tts_seconds"]);
  CHECK(seen.count("no_such_action") == 0);
  const auto row = emulator.ledger_session(session_id);
  REQUIRE(row.is_object());
  CHECK(row["event_credits_charged"].get<double>() ==
        Approx(10.0 * recorded["llm_gpt4"] + 0.124 * recorded["tts_seconds"]));
  // Time and events: the client's charged credits are the server's, and so is their split
  // (the events' part exactly: the SDK sums whole milli-credits as the ledger does).
  CHECK(out["credits_charged"].get<double>() == Approx(row["credits_charged"].get<double>()));
  CHECK(out["events_credits_charged"].get<double>() == row["event_credits_charged"].get<double>());
  CHECK(out["time_credits_charged"].get<double>() == Approx(row["time_credits_charged"].get<double>()).margin(1e-9));
  CHECK(row["time_credits_charged"].get<double>() > 0);
  CHECK(out["active_ms"] == row["active_ms"]);
}

TEST_CASE("simulate --event, for people: the rejection as it happens, the events in the summary", "[cli][events]") {
  EmulatorProcess emulator;
  emulator.create_account("sk_events_text", "creator", 1000);

  const auto r = run_cli(on_server(emulator, "sk_events_text",
                                   {"simulate", "--duration", "1s", "--event", "kb_query:every=10s", "--event",
                                    "made_up:every=10s"}));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("event rejected: made_up (UNKNOWN_ACTION)"));
  CHECK_THAT(r.out, Catch::Contains("events       2 recorded, 1 acknowledged (charged), 1 rejected, 0 pending"));
  // The charge split: kb_query's 1 credit, and the second of time beside it.
  CHECK_THAT(r.out, Catch::Contains(" credits (time ") && Catch::Contains(" credits, events 1.000 credits); balance now "));
  CHECK_THAT(r.err, Catch::Contains("made_up"));  // the SDK's warning
}

TEST_CASE("a USD account: balance and simulate print USD, never credits", "[cli][events]") {
  EmulatorProcess emulator;
  emulator.configure({{"heartbeat_interval_s", 1}});
  emulator.admin("POST", "/admin/accounts", {{"api_secret", "sk_usd"}, {"balance", 50}, {"unit", "USD"}});

  const auto balance = run_cli(on_server(emulator, "sk_usd", {"balance"}));
  INFO("balance: " << balance.out << balance.err);
  CHECK(balance.exit_code == 0);
  CHECK_THAT(balance.out, Catch::Contains("balance        50.000 USD"));
  CHECK_THAT(balance.out, !Catch::Contains("credits "));
  const auto balance_json = run_cli(on_server(emulator, "sk_usd", {"balance", "--json"}));
  CHECK(balance_json.json()["unit"] == "USD");

  const auto r = run_cli(on_server(emulator, "sk_usd",
                                   {"simulate", "--duration", "1500ms", "--interval", "500ms", "--event",
                                    "photo_avatar_generation:every=10s"}));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains(" USD  balance ") && Catch::Contains(" USD  left "));  // the progress lines
  CHECK_THAT(r.out, Catch::Contains(" USD, events 0.250 USD); balance now "));
  CHECK_THAT(r.out, Catch::Contains(" USD (time "));
  CHECK_THAT(r.out, !Catch::Contains(" cr ") && !Catch::Contains(" credits"));

  const auto j = run_cli(on_server(emulator, "sk_usd", {"simulate", "--duration", "500ms", "--json"}));
  INFO("json: " << j.out << j.err);
  REQUIRE(j.exit_code == 0);
  const auto out = j.json();
  CHECK(out["unit"] == "USD");
  const auto row = emulator.ledger_session(out["session_id"].get<std::string>());
  CHECK(out["credits_charged"].get<double>() == Approx(row["credits_charged"].get<double>()));
}

TEST_CASE("bad --event values are usage errors, an action the SDK refuses names the option", "[cli][events]") {
  const CliEnv env = {{"CREDITMETER_BASE_URL", "http://127.0.0.1:9"}, {"CREDITMETER_API_SECRET", "sk"}};
  for (const char* bad : {"llm_gpt4", "llm_gpt4:every=0s", "llm_gpt4:every=5s:quantity=-2", "x:every=5s:size=3"}) {
    const auto r = run_cli({"simulate", "--duration", "1s", "--event", bad}, env);
    INFO(bad << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--event"));
  }

  // Over 64 characters: the SDK's rule, said when the first event is recorded; the session's
  // usage is still stopped and delivered by the Client's shutdown.
  EmulatorProcess emulator;
  emulator.create_account("sk_long_action", "creator", 100);
  const std::string long_action(65, 'a');
  const auto r = run_cli(on_server(emulator, "sk_long_action",
                                   {"simulate", "--duration", "1s", "--event", long_action + ":every=1s"}));
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--event '" + long_action + ":every=1s'"));
  CHECK(emulator.ledger_events().empty());
}

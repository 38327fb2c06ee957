// The CLI's parsers, without processes or a server: durations, counts, the option parser,
// and the number formats (C locale: no thousands separators).
#include <catch2/catch.hpp>

#include <clocale>

#include "args.hpp"
#include "output.hpp"

using cli::parse_duration;
using cli::UsageError;
using std::chrono::milliseconds;

namespace {

cli::ParsedArgs parse(std::vector<const char*> words) {
  words.insert(words.begin(), "creditmeter");
  return cli::parse_args(static_cast<int>(words.size()), words.data(), [](const std::string& command) {
    if (command == "simulate") return std::vector<cli::OptionSpec>{{"duration", true}, {"verbose", false}};
    if (command == "balance") return std::vector<cli::OptionSpec>{};
    throw UsageError("unknown command '" + command + "'");
  });
}

}  // namespace

TEST_CASE("durations: seconds by default, h/m/s/ms units, largest first", "[cli][smoke]") {
  CHECK(parse_duration("90") == milliseconds(90'000));
  CHECK(parse_duration("0") == milliseconds(0));
  CHECK(parse_duration("90s") == milliseconds(90'000));
  CHECK(parse_duration("2m") == milliseconds(120'000));
  CHECK(parse_duration("1m30s") == milliseconds(90'000));
  CHECK(parse_duration("500ms") == milliseconds(500));
  CHECK(parse_duration("1h") == milliseconds(3'600'000));
  CHECK(parse_duration("1h2m3s4ms") == milliseconds(3'723'004));
  CHECK(parse_duration("2s500ms") == milliseconds(2'500));
  CHECK(parse_duration("007s") == milliseconds(7'000));
  CHECK(parse_duration("90m") == milliseconds(5'400'000));  // no carrying rules: 90m is fine

  for (const char* bad : {"", " ", "s", "ms", "-1", "+5", "1.5s", "1,5s", "1x", "5 s", " 5s", "5s ", "1m1m",
                          "30s1m", "1ms1s", "1m30", "1M", "1S", "2mss", "m1", "1sms", "1e3", "0x10",
                          "99999999999999999999", "9223372036854775807s"}) {
    INFO("input: '" << bad << "'");
    CHECK_THROWS_AS(parse_duration(bad), UsageError);
  }
  CHECK_THROWS_WITH(parse_duration("2x"), Catch::Contains("invalid duration '2x'") && Catch::Contains("unknown unit 'x'"));
  CHECK_THROWS_WITH(parse_duration("30s1m"), Catch::Contains("largest first"));
  CHECK_THROWS_WITH(parse_duration("99999999999999999999"), Catch::Contains("too large"));
}

TEST_CASE("counts: whole numbers in range", "[cli]") {
  CHECK(cli::parse_count("25", 1, 1000, "--fps") == 25);
  CHECK(cli::parse_count("1000", 1, 1000, "--fps") == 1000);
  for (const char* bad : {"", "0", "1001", "-5", "2.5", "25fps", " 25", "99999999999999999999999"}) {
    INFO("input: '" << bad << "'");
    CHECK_THROWS_WITH(cli::parse_count(bad, 1, 1000, "--fps"), Catch::Contains("--fps must be a whole number from 1 to 1000"));
  }
}

TEST_CASE("options: before or after the command, --name=value, errors", "[cli]") {
  const auto a = parse({"--json", "simulate", "--duration", "2s", "--base-url=http://x", "--verbose"});
  CHECK(a.command == "simulate");
  CHECK(a.has("json"));
  CHECK(a.get("duration") == "2s");
  CHECK(a.get("base-url") == "http://x");
  CHECK(a.get("missing", "fallback") == "fallback");
  CHECK(a.has("verbose"));

  CHECK(parse({"-h"}).has("help"));
  CHECK(parse({}).command.empty());
  CHECK(parse({"balance", "--api-secret", ""}).get("api-secret", "x").empty());

  CHECK_THROWS_WITH(parse({"frobnicate"}), Catch::Contains("unknown command 'frobnicate'"));
  CHECK_THROWS_WITH(parse({"balance", "--duration", "2s"}), Catch::Contains("unknown option '--duration' for 'balance'"));
  CHECK_THROWS_WITH(parse({"--duration", "2s", "simulate"}), Catch::Contains("unknown option '--duration'"));
  CHECK_THROWS_WITH(parse({"simulate", "--duration"}), Catch::Contains("needs a value"));
  CHECK_THROWS_WITH(parse({"simulate", "--json=yes"}), Catch::Contains("takes no value"));
  CHECK_THROWS_WITH(parse({"simulate", "--json", "--json"}), Catch::Contains("given twice"));
  CHECK_THROWS_WITH(parse({"balance", "extra"}), Catch::Contains("unexpected argument 'extra'"));
  CHECK_THROWS_WITH(parse({"balance", "-x"}), Catch::Contains("unknown option '-x'"));
}

TEST_CASE("numbers print the same in every locale", "[cli]") {
  // A locale with a decimal comma and grouping, when the machine has one; the CLI forces "C".
  const bool german = std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr;
  cli::use_c_locale();
  if (!german) WARN("de_DE.UTF-8 not installed: checked in the C locale only");
  CHECK(cli::credits(1234567.5) == "1234567.500");
  CHECK(cli::credits(-0.0001) == "0.000");
  CHECK(cli::credits(-2.5) == "-2.500");
  CHECK(cli::fixed(0.5, 1) == "0.5");
  CHECK(cli::human_duration(850) == "850ms");
  CHECK(cli::human_duration(2'000) == "2.0s");
  CHECK(cli::human_duration(65'300) == "1m05.3s");
  CHECK(cli::human_duration(7'390'000) == "2h03m10s");
  CHECK(cli::human_duration(-1'500) == "-1.5s");
  CHECK(cli::human_duration(59'960) == "1m00.0s");
  CHECK(cli::human_duration(299'960) == "5m00.0s");
  CHECK(cli::human_duration(3'599'960) == "1h00m00s");
}

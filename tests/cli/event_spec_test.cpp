// The CLI's --event parser (tools/cli/event_spec.cpp), without processes or a server.
#include <catch2/catch.hpp>

#include <string>

#include "args.hpp"
#include "event_spec.hpp"

using cli::parse_event_spec;
using cli::UsageError;
using std::chrono::milliseconds;

TEST_CASE("the event option reads ACTION:every=D and quantity=Q, fields in any order", "[cli][smoke]") {
  const auto a = parse_event_spec("llm_gpt4:every=5s");
  CHECK(a.action == "llm_gpt4");
  CHECK(a.every == milliseconds(5000));
  CHECK_FALSE(a.quantity.has_value());  // record()'s own default
  CHECK(a.text == "llm_gpt4:every=5s");

  const auto b = parse_event_spec("tts_seconds:every=1m30s:quantity=4.5");
  CHECK(b.action == "tts_seconds");
  CHECK(b.every == milliseconds(90'000));
  REQUIRE(b.quantity.has_value());
  CHECK(*b.quantity == 4.5);

  const auto c = parse_event_spec("kb_query:quantity=0:every=500ms");
  CHECK(c.action == "kb_query");
  CHECK(c.every == milliseconds(500));
  CHECK(*c.quantity == 0);

  // The fields are read from the right: an action may hold ':' itself.
  const auto d = parse_event_spec("vendor:model:every=2s");
  CHECK(d.action == "vendor:model");
  CHECK(d.every == milliseconds(2000));
}

TEST_CASE("the event option says what is wrong, naming --event", "[cli][smoke]") {
  for (const char* bad : {"", "llm_gpt4", "llm_gpt4:", "llm_gpt4:every", "llm_gpt4:every=", "llm_gpt4:every=0s",
                          "llm_gpt4:every=1.5s", "llm_gpt4:evry=5s", "llm_gpt4:every=5s:foo",
                          "llm_gpt4:every=5s:every=2s", "llm_gpt4:every=5s:quantity=1:quantity=2",
                          "llm_gpt4:every=5s:quantity=-1", "llm_gpt4:every=5s:quantity=nan",
                          "llm_gpt4:every=5s:quantity=inf", "llm_gpt4:every=5s:quantity=", ":every=5s",
                          "every=5s", "llm_gpt4:quantity=2"}) {
    INFO("'" << bad << "'");
    try {
      parse_event_spec(bad);
      FAIL("accepted");
    } catch (const UsageError& e) {
      CHECK_THAT(e.what(), Catch::Contains("--event"));
    }
  }
}

TEST_CASE("a repeatable option keeps every value in order, others are refused twice", "[cli][smoke]") {
  std::vector<const char*> words = {"creditmeter", "simulate", "--event", "a:every=1s", "--duration", "1s",
                                    "--event=b:every=2s"};
  const auto parsed = cli::parse_args(static_cast<int>(words.size()), words.data(), [](const std::string&) {
    return std::vector<cli::OptionSpec>{{"duration", true}, {"event", true, /*repeatable=*/true}};
  });
  CHECK(parsed.all("event") == std::vector<std::string>{"a:every=1s", "b:every=2s"});
  CHECK(parsed.all("duration").empty());  // not repeatable: values only
  CHECK(parsed.get("duration") == "1s");

  std::vector<const char*> twice = {"creditmeter", "simulate", "--duration", "1s", "--duration", "2s"};
  CHECK_THROWS_WITH(cli::parse_args(static_cast<int>(twice.size()), twice.data(),
                                    [](const std::string&) {
                                      return std::vector<cli::OptionSpec>{{"duration", true},
                                                                          {"event", true, true}};
                                    }),
                    Catch::Contains("given twice"));
}

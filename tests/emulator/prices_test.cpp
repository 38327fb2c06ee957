// Unit tests of prices.cpp: the seeds' price list, POST /admin/prices, action names.
#include <catch2/catch.hpp>

#include "prices.hpp"

using namespace creditmeter::emulator;
using nlohmann::json;

TEST_CASE("prices: the seed defaults are the seeds' price lists in micro-units", "[emulator][unit]") {
  const PriceList prices = PriceList::seed_defaults();
  CHECK(prices.find("llm_gpt4") == 10'000'000);
  CHECK(prices.find("llm_claude") == 8'000'000);
  CHECK(prices.find("llm_gpt35") == 2'000'000);
  CHECK(prices.find("tts_seconds") == 83'333);
  CHECK(prices.find("stt_seconds") == 50'000);
  CHECK(prices.find("kb_query") == 1'000'000);
  CHECK(prices.find("api_request") == 100'000);
  CHECK(prices.find("agent_generation") == 250'000'000);
  CHECK(prices.find("photo_avatar_generation") == 250'000);
  CHECK(prices.find("avatar_training") == 4'000'000);
  CHECK(prices.find("avatar_motion") == 1'000'000);
  CHECK(prices.find("avatar_upscale") == 500'000);
  CHECK_FALSE(prices.find("llm_gpt5").has_value());
  const json wire = prices.to_json();
  CHECK(wire.size() == 12);
  CHECK(wire["tts_seconds"].dump() == "0.083333");
  CHECK(wire["agent_generation"] == 250);
  CHECK(wire["api_request"].dump() == "0.1");
  CHECK(PriceList::from_snapshot(prices.to_snapshot()) == prices);
}

TEST_CASE("prices: POST /admin/prices adds or replaces, all or none", "[emulator][unit]") {
  PriceList prices = PriceList::seed_defaults();
  Reply reply = set_prices(prices, {{"llm_gpt4", 12.5}, {"translate", 0.0000015}});
  CHECK(reply.status == 200);
  CHECK(reply.mutated);
  CHECK(prices.find("llm_gpt4") == 12'500'000);
  CHECK(prices.find("translate") == 2);  // rounded to micro-units once, here
  CHECK(json::parse(reply.body)["data"]["prices"]["llm_gpt4"] == 12.5);
  CHECK(set_prices(prices, {{"free_action", 0}}).status == 200);
  CHECK(prices.find("free_action") == 0);

  // Refused as a whole: nothing of the body is applied.
  for (const json& bad : {json{{"a", -1}}, json{{"a", "1"}}, json{{"a", nullptr}}, json{{"a", 10'001}},
                          json{{"a", 1e300}}, json{{std::string(65, 'x'), 1}}, json{{"", 1}},
                          json{{"ok_one", 3}, {"bad_one", -0.5}}}) {
    INFO(bad.dump());
    reply = set_prices(prices, bad);
    CHECK(reply.status == 400);
    CHECK(json::parse(reply.body)["error"]["code"] == "INVALID_REQUEST");
  }
  CHECK_FALSE(prices.find("ok_one").has_value());
  CHECK(set_prices(prices, {{"a", 10'000}}).status == 200);

  // An empty body (GET) reads the list and changes nothing.
  reply = set_prices(prices, json::object());
  CHECK(reply.status == 200);
  CHECK_FALSE(reply.mutated);
  CHECK(json::parse(reply.body)["data"]["prices"]["a"] == 10'000);
}

TEST_CASE("prices: an action name is 1 to 64 characters, counted as code points", "[emulator][unit]") {
  CHECK(valid_action_name("x"));
  CHECK(valid_action_name(std::string(64, 'x')));
  CHECK_FALSE(valid_action_name(""));
  CHECK_FALSE(valid_action_name(std::string(65, 'x')));
  std::string accented;
  for (int i = 0; i < 64; ++i) accented += "\xC3\xA9";  // 64 × 'é': 128 bytes, 64 characters
  CHECK(valid_action_name(accented));
  CHECK_FALSE(valid_action_name(accented + "e"));
}

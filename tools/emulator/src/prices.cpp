#include "prices.hpp"

#include <utility>
#include <vector>

#include "money.hpp"

namespace creditmeter::emulator {

PriceList PriceList::seed_defaults() {
  PriceList list;
  // 8bit-ai: per request, per second of speech (TTS 5 and STT 3 credits a minute), per query.
  list.set("llm_gpt4", 10'000'000);
  list.set("llm_claude", 8'000'000);
  list.set("llm_gpt35", 2'000'000);
  list.set("tts_seconds", 83'333);  // 5/60, rounded to micro-units once, here
  list.set("stt_seconds", 50'000);  // 3/60
  list.set("kb_query", 1'000'000);
  list.set("api_request", 100'000);
  // bitHuman: per agent generation.
  list.set("agent_generation", 250'000'000);
  // HeyGen's API: per generation, training, motion and upscale.
  list.set("photo_avatar_generation", 250'000);
  list.set("avatar_training", 4'000'000);
  list.set("avatar_motion", 1'000'000);
  list.set("avatar_upscale", 500'000);
  return list;
}

std::optional<std::int64_t> PriceList::find(const std::string& action) const {
  const auto found = by_action_.find(action);
  if (found == by_action_.end()) return std::nullopt;
  return found->second;
}

nlohmann::json PriceList::to_json() const {
  nlohmann::json prices = nlohmann::json::object();
  for (const auto& [action, micro] : by_action_) prices[action] = micro_to_units(micro);
  return prices;
}

nlohmann::json PriceList::to_snapshot() const {
  nlohmann::json prices = nlohmann::json::object();
  for (const auto& [action, micro] : by_action_) prices[action] = micro;
  return prices;
}

PriceList PriceList::from_snapshot(const nlohmann::json& snapshot) {
  PriceList list;
  for (const auto& [action, micro] : snapshot.items()) list.set(action, micro.get<std::int64_t>());
  return list;
}

bool valid_action_name(const std::string& action) {
  std::size_t code_points = 0;
  for (const unsigned char c : action) {
    if ((c & 0xC0) != 0x80) ++code_points;  // every byte but a continuation starts one
  }
  return code_points >= 1 && code_points <= 64;
}

Reply set_prices(PriceList& prices, const nlohmann::json& body) {
  std::vector<std::pair<std::string, std::int64_t>> changes;
  for (const auto& [action, value] : body.items()) {
    if (!valid_action_name(action)) {
      return error_reply(400, "INVALID_REQUEST", "an action name must be 1 to 64 characters");
    }
    const auto micro = value.is_number() ? units_to_micro(value) : std::nullopt;
    if (!micro || *micro < 0 || *micro > kMaxPriceMicro) {
      return error_reply(400, "INVALID_REQUEST",
                         "the price of '" + action + "' must be a finite number from 0 to 10000 per unit");
    }
    changes.emplace_back(action, *micro);
  }
  for (const auto& [action, micro] : changes) prices.set(action, micro);
  Reply reply = success_reply({{"prices", prices.to_json()}});
  reply.mutated = !changes.empty();
  return reply;
}

}  // namespace creditmeter::emulator

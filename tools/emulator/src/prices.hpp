// The price list of usage events (docs/PROTOCOL.md, "Usage events"): what one unit of each
// action costs. One list serves every account, its numbers read in each account's unit.
// Prices are integer micro-units, rounded once when set, so that every charge is integer
// arithmetic: charge_mc = floor(quantity_milli * price_micro / 10^6) (money.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "reply.hpp"

namespace creditmeter::emulator {

// The highest price accepted per unit (10^4 units): with kMaxEventQuantity it bounds one
// event's charge to 10^16 milli-units, so sums of many stay far from int64 overflow.
inline constexpr std::int64_t kMaxPriceMicro = 10'000LL * 1'000'000;

class PriceList {
 public:
  // The seeds' price lists (8bit-ai, bitHuman, HeyGen's API): the emulator's defaults.
  static PriceList seed_defaults();

  // The price of `action` in micro-units, or nullopt when the action has none.
  std::optional<std::int64_t> find(const std::string& action) const;
  void set(const std::string& action, std::int64_t price_micro) { by_action_[action] = price_micro; }

  // {action: units per unit of quantity} as numbers (the token answer's `prices`).
  nlohmann::json to_json() const;
  // The snapshot form: {action: micro-units} as integers.
  nlohmann::json to_snapshot() const;
  static PriceList from_snapshot(const nlohmann::json& snapshot);

  bool operator==(const PriceList& other) const { return by_action_ == other.by_action_; }

 private:
  std::map<std::string, std::int64_t> by_action_;  // sorted: stable answers and snapshots
};

// The length rule of an action name: 1 to 64 characters (UTF-8 code points).
bool valid_action_name(const std::string& action);

// POST /admin/prices {"<action>": units_per_unit, ...}: adds or replaces each price (finite,
// 0 to 10^4, rounded to micro-units), all or none; answers {"prices": the whole list}.
// GET /admin/prices (an empty body) reads the list and changes nothing.
Reply set_prices(PriceList& prices, const nlohmann::json& body);

}  // namespace creditmeter::emulator

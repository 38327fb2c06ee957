// The seeds' commercial catalogue: plans, units and the rate cards. Kept apart from the
// ledger so that a new model, plan or unit is a one-line change here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "money.hpp"

namespace creditmeter::emulator {

struct Plan {
  std::string name;
  MilliCredits credits_mc;  // monthly plan allowance
  int max_concurrent;       // concurrent sessions (slots)
};

struct Rate {
  std::string model;
  std::string surface;
  MilliCredits mc_per_minute;  // credits per *active* minute, in milli-credits
};

// The units an account's money can be kept in. Every amount of an account (balance, prices,
// charges) is in its unit; the arithmetic (integer milli-units) is the same for all.
inline constexpr const char* kUnitCredits = "credits";
inline constexpr const char* kUnitUsd = "USD";
bool known_unit(const std::string& unit);

const std::vector<Plan>& plans();
// The rate card of an account kept in `unit`: credits per active minute for credits
// accounts; for USD accounts HeyGen's Avatar Realtime price, $0.05 a second, on every
// model and surface (3 USD a minute on the wire, which stays a rate per minute).
const std::vector<Rate>& rate_card(const std::string& unit = kUnitCredits);

std::optional<Plan> find_plan(const std::string& name);
std::optional<MilliCredits> find_rate(const std::string& model, const std::string& surface,
                                      const std::string& unit = kUnitCredits);

}  // namespace creditmeter::emulator

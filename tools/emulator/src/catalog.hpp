// The seeds' commercial catalogue: plans and the rate card. Kept apart from the ledger so
// that a new model or plan is a one-line change here.
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

const std::vector<Plan>& plans();
const std::vector<Rate>& rate_card();

std::optional<Plan> find_plan(const std::string& name);
std::optional<MilliCredits> find_rate(const std::string& model, const std::string& surface);

}  // namespace creditmeter::emulator

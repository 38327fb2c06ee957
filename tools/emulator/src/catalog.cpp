#include "catalog.hpp"

namespace creditmeter::emulator {

const std::vector<Plan>& plans() {
  static const std::vector<Plan> kPlans = {
      {"free", 99'000, 2},
      {"creator", 1'200'000, 5},
      {"pro", 7'500'000, 10},
  };
  return kPlans;
}

bool known_unit(const std::string& unit) { return unit == kUnitCredits || unit == kUnitUsd; }

const std::vector<Rate>& rate_card(const std::string& unit) {
  static const std::vector<Rate> kCredits = {
      {"essence", "cloud", 2'000},
      {"expression", "cloud", 4'000},
      {"essence", "self_hosted", 1'000},
      {"expression", "self_hosted", 2'000},
      {"expression", "on_device", 2'000},
  };
  // $0.05 a second = 3 USD (3000 milli-USD) a minute.
  static const std::vector<Rate> kUsd = {
      {"essence", "cloud", 3'000},
      {"expression", "cloud", 3'000},
      {"essence", "self_hosted", 3'000},
      {"expression", "self_hosted", 3'000},
      {"expression", "on_device", 3'000},
  };
  return unit == kUnitUsd ? kUsd : kCredits;
}

std::optional<Plan> find_plan(const std::string& name) {
  for (const auto& plan : plans()) {
    if (plan.name == name) return plan;
  }
  return std::nullopt;
}

std::optional<MilliCredits> find_rate(const std::string& model, const std::string& surface,
                                      const std::string& unit) {
  for (const auto& rate : rate_card(unit)) {
    if (rate.model == model && rate.surface == surface) return rate.mc_per_minute;
  }
  return std::nullopt;
}

}  // namespace creditmeter::emulator

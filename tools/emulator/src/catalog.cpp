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

const std::vector<Rate>& rate_card() {
  static const std::vector<Rate> kRates = {
      {"essence", "cloud", 2'000},
      {"expression", "cloud", 4'000},
      {"essence", "self_hosted", 1'000},
      {"expression", "self_hosted", 2'000},
      {"expression", "on_device", 2'000},
  };
  return kRates;
}

std::optional<Plan> find_plan(const std::string& name) {
  for (const auto& plan : plans()) {
    if (plan.name == name) return plan;
  }
  return std::nullopt;
}

std::optional<MilliCredits> find_rate(const std::string& model, const std::string& surface) {
  for (const auto& rate : rate_card()) {
    if (rate.model == model && rate.surface == surface) return rate.mc_per_minute;
  }
  return std::nullopt;
}

}  // namespace creditmeter::emulator

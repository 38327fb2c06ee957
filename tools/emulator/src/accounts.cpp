#include "accounts.hpp"

#include <algorithm>
#include <utility>

namespace creditmeter::emulator {

void Account::debit(MilliCredits amount) {
  const MilliCredits from_plan = std::min(amount, std::max<MilliCredits>(plan_mc, 0));
  plan_mc -= from_plan;
  amount -= from_plan;
  const MilliCredits from_topup = std::min(amount, topup_mc);
  topup_mc -= from_topup;
  amount -= from_topup;
  plan_mc -= amount;
}

void Account::credit_topup(MilliCredits amount) {
  const MilliCredits to_debt = std::min(amount, std::max<MilliCredits>(-plan_mc, 0));
  plan_mc += to_debt;
  topup_mc += amount - to_debt;
}

std::optional<Reply> Accounts::check_api_secret(const std::string& secret) const {
  const auto id = id_of_secret_.find(secret);
  if (secret.empty() || id == id_of_secret_.end()) {
    return error_reply(401, "INVALID_API_SECRET", "the api-secret header is missing or unknown: check your API secret");
  }
  if (by_id_.at(id->second).revoked) {
    return error_reply(403, "KEY_REVOKED", "this API secret has been revoked");
  }
  return std::nullopt;
}

Account* Accounts::by_secret(const std::string& secret) {
  const auto id = id_of_secret_.find(secret);
  return id == id_of_secret_.end() ? nullptr : &by_id_.at(id->second);
}

Account& Accounts::create(Account account) {
  account.id = "acct_" + std::to_string(next_number_++);
  return restore(std::move(account));
}

Account& Accounts::restore(Account account) {
  id_of_secret_[account.api_secret] = account.id;
  const std::string id = account.id;
  return by_id_.emplace(id, std::move(account)).first->second;
}

}  // namespace creditmeter::emulator

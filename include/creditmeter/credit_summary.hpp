#pragma once
// The account's credits, as returned by Client::credit_summary().

#include <cstdint>
#include <map>
#include <string>

namespace creditmeter {

struct CreditSummary {
  double balance = 0;  // credits; negative is debt that a top-up pays first
  std::string plan;
  std::string renews_at;  // RFC 3339
  double plan_credits = 0;
  double topup_credits = 0;
  // "<model>_<surface>" (e.g. "essence_cloud") -> whole minutes the balance buys.
  std::map<std::string, std::int64_t> estimated_minutes;
  // What balance and the credits count in: "credits", or the account's currency ("USD").
  std::string unit = "credits";
};

}  // namespace creditmeter

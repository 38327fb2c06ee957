// Accounts and their money: two buckets of integer milli-units (of credits or USD), the rules for charging
// and topping them up, and the registry that finds an account by its API secret.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "money.hpp"
#include "reply.hpp"
#include "slots.hpp"
#include "time_format.hpp"

namespace creditmeter::emulator {

struct Account {
  std::string id;
  std::string api_secret;
  std::string plan;
  std::string unit = "credits";  // what its money counts (catalog.hpp): "credits" or "USD"
  MilliCredits plan_mc = 0;   // plan allowance left; debt is carried here (negative)
  MilliCredits topup_mc = 0;  // bought credits left; never negative
  int max_concurrent = 0;
  bool revoked = false;
  UnixMillis created_ms = 0;  // start of the first plan period (renews_at counts from it)
  ConcurrencySlots slots;

  // What the protocol calls the balance; negative is debt.
  MilliCredits balance() const { return plan_mc + topup_mc; }

  // Takes `amount` (>= 0): plan credits first, then top-up credits; what is left becomes
  // debt, carried on the plan bucket so that topup_credits is never negative. Never
  // refused: usage that happened is billed (docs/PROTOCOL.md, "Billing arithmetic").
  void debit(MilliCredits amount);
  // Adds bought credits (`amount` >= 0). A top-up pays the debt first.
  void credit_topup(MilliCredits amount);
};

class Accounts {
 public:
  // The api-secret check run *before* a request's body is read: the 401 INVALID_API_SECRET
  // or 403 KEY_REVOKED to answer, or nullopt when the secret belongs to a live account.
  std::optional<Reply> check_api_secret(const std::string& secret) const;

  // The account of `secret` (revoked ones included), or nullptr.
  Account* by_secret(const std::string& secret);
  Account& at(const std::string& id) { return by_id_.at(id); }
  bool has_secret(const std::string& secret) const { return id_of_secret_.count(secret) != 0; }

  // Adds a new account under the next id ("acct_<n>"); its secret must be unused.
  Account& create(Account account);
  // Re-enters an account read back from a snapshot, id and all.
  Account& restore(Account account);

  const std::unordered_map<std::string, Account>& all() const { return by_id_; }
  // The number the next created account gets (persisted, so ids are never reused).
  std::uint64_t next_number() const { return next_number_; }
  void set_next_number(std::uint64_t next) { next_number_ = next; }

 private:
  std::unordered_map<std::string, Account> by_id_;
  std::unordered_map<std::string, std::string> id_of_secret_;  // api secret -> account id
  std::uint64_t next_number_ = 1;
};

}  // namespace creditmeter::emulator

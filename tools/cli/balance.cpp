// creditmeter balance: the account's credit summary, as the server computes it.

#include <cstdio>

#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace cli {

namespace {

int run_balance(const ParsedArgs& args, Console& console) {
  creditmeter::ClientOptions options = client_options(args, console);
  // A read-only query: no journal, so it neither creates state files nor starts delivering
  // usage that other processes left behind (simulate, or the app itself, does that).
  options.journal_dir = "";
  creditmeter::Client client(options);
  const creditmeter::CreditSummary summary = client.credit_summary();

  if (args.has("json")) {
    nlohmann::json out = {{"balance", summary.balance},
                          {"plan", summary.plan},
                          {"renews_at", summary.renews_at},
                          {"plan_credits", summary.plan_credits},
                          {"topup_credits", summary.topup_credits},
                          {"estimated_minutes", summary.estimated_minutes},
                          {"unit", summary.unit}};
    console.line(out.dump());
    return kOk;
  }
  // Amounts in the account's unit as the server names it ("credits", or a currency: "USD").
  console.line("balance        " + money(summary.balance, summary.unit) +
               (summary.balance < 0 ? " (debt: a top-up pays it first)" : ""));
  console.line("plan           " + (summary.plan.empty() ? std::string("-") : summary.plan));
  console.line("renews at      " + (summary.renews_at.empty() ? std::string("-") : summary.renews_at));
  console.line("plan allowance " + money(summary.plan_credits, summary.unit));
  console.line("top-ups        " + money(summary.topup_credits, summary.unit));
  if (!summary.estimated_minutes.empty()) {
    console.line("estimated active minutes left (model_surface):");
    for (const auto& [key, minutes] : summary.estimated_minutes) {
      char row[160];
      std::snprintf(row, sizeof row, "  %-24s %lld", key.c_str(), static_cast<long long>(minutes));
      console.line(row);
    }
  }
  return kOk;
}

}  // namespace

const Command& balance_command() {
  static const Command command{
      "balance", "show the account's balance, plan and estimated minutes per model/surface",
      "usage: creditmeter balance [--json]\n"
      "\n"
      "Shows the account's credit summary (GET /v2/credit-summaries): balance, plan, renewal\n"
      "date, and the whole minutes of active avatar time the balance buys per model and surface,\n"
      "as the server computes them. Reads nothing else and writes no state.\n"
      "\n"
      "example:\n"
      "  CREDITMETER_BASE_URL=http://127.0.0.1:8765 CREDITMETER_API_SECRET=demo-secret creditmeter balance\n",
      {},
      run_balance};
  return command;
}

}  // namespace cli

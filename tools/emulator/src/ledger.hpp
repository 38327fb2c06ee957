// The emulator's pure model: accounts, sessions, slots, billing and the idempotency store.
//
// No sockets, threads or clocks in here: each call takes a parsed request (`Call`) and the
// current time, and returns the status and envelope to answer. That makes every rule of the
// protocol unit-testable directly, and makes the model deterministic, which the state store
// relies on: replaying the logged calls of a run rebuilds exactly the same state.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "jwt.hpp"
#include "money.hpp"
#include "reply.hpp"
#include "time_format.hpp"

namespace creditmeter::emulator {

enum class Op {
  kExchangeToken,  // POST /v1/runtime-tokens/request
  kHeartbeat,      // POST /v1/runtime-tokens/heartbeat
  kRelease,        // POST /v1/runtime-tokens/release
  kCreditSummary,  // GET  /v2/credit-summaries
  kCreateAccount,  // POST /admin/accounts
  kTopup,          // POST /admin/accounts/topup
  kRevoke,         // POST /admin/accounts/revoke
  kConfigure,      // POST /admin/config (GET reads it: body empty)
  kLedger,         // GET  /admin/ledger
  kAccount,        // GET  /admin/accounts?api_secret=
};

const char* to_string(Op op);
std::optional<Op> op_from_string(const std::string& name);

// One request as the model sees it: headers already extracted, body already parsed.
struct Call {
  Op op = Op::kCreditSummary;
  std::string api_secret;       // header `api-secret` (admin: the body's or query's)
  std::string bearer;           // the token of `Authorization: Bearer <token>`
  std::string idempotency_key;  // header `Idempotency-Key`; empty = absent
  nlohmann::json body = nlohmann::json::object();  // body object, or query parameters for GETs
  // A random UUID made by the shell for this call (a new session's default id and its
  // transaction id). Passed in so the model itself stays deterministic.
  std::string fresh_id;
};

struct Timing {
  std::int64_t heartbeat_interval_ms = 60'000;
  std::int64_t offline_grace_ms = 300'000;
  std::int64_t token_ttl_ms = 300'000;

  // A slot is held until this long passes without a heartbeat.
  std::int64_t slot_hold_ms() const { return offline_grace_ms + 2 * heartbeat_interval_ms; }
};

class Ledger {
 public:
  // How many idempotency records each session keeps (its most recent keys). The protocol
  // allows one unacknowledged request per session, so a replay is always of a recent key.
  static constexpr std::size_t kIdempotencyWindow = 8;

  explicit Ledger(std::string signing_key);

  Reply handle(const Call& call, UnixMillis now);

  // The api-secret check the shell runs *before* reading the body: the 401/403 to answer,
  // or nullopt when the secret belongs to a live account.
  std::optional<Reply> check_api_secret(const std::string& secret) const;

  const Timing& timing() const { return timing_; }
  const std::string& signing_key() const { return signer_.key(); }

  nlohmann::json to_json() const;
  // Throws std::runtime_error when the snapshot is not one this version wrote.
  static Ledger from_json(const nlohmann::json& snapshot);

 private:
  struct Account {
    std::string id;
    std::string api_secret;
    std::string plan;
    MilliCredits plan_mc = 0;   // plan allowance left; debt is carried here (negative)
    MilliCredits topup_mc = 0;  // bought credits left; never negative
    int max_concurrent = 0;
    bool revoked = false;
    UnixMillis created_ms = 0;
    // Sessions holding a slot, ordered by their last sign of life, so expired holders are
    // found at the front in O(log n) without scanning the account's sessions.
    std::set<std::pair<UnixMillis, std::string>> slots;

    MilliCredits balance() const { return plan_mc + topup_mc; }
  };

  struct IdempotencyRecord {
    std::string key;
    std::string request;  // canonical text of the operation and body it answered
    int status = 0;
    std::string response;
  };

  struct Session {
    std::string id;
    std::string account_id;
    std::string model;
    std::string surface;
    std::string transaction_id;
    MilliCredits rate_mc_per_min = 0;
    std::int64_t active_ms = 0;    // running total of every reported active_ms
    MilliCredits charged_mc = 0;   // charge_for(active_ms, rate), what has been debited
    std::uint64_t heartbeats = 0;  // heartbeat calls processed (replays and releases not counted)
    std::uint64_t replays = 0;     // requests answered from the idempotency store
    bool released = false;
    bool slot_held = false;
    UnixMillis last_seen_ms = 0;   // exchange or latest heartbeat: the slot's clock
    std::uint64_t order = 0;       // creation order, for a stable ledger listing
    std::deque<IdempotencyRecord> idempotency;
  };

  Reply exchange_token(const Call& call, UnixMillis now);
  Reply report_usage(const Call& call, UnixMillis now, bool is_release);
  Reply credit_summary(const Call& call, UnixMillis now);
  Reply create_account(const Call& call, UnixMillis now);
  Reply topup(const Call& call);
  Reply revoke(const Call& call);
  Reply configure(const Call& call);
  Reply ledger_listing(const Call& call) const;
  Reply account_details(const Call& call, UnixMillis now);

  Account* account_by_secret(const std::string& secret);
  std::string issue_token(const Session& session, UnixMillis now, std::int64_t& expires_at) const;
  void expire_slots(Account& account, UnixMillis now);
  void take_slot(Account& account, Session& session, UnixMillis now);
  void refresh_slot(Account& account, Session& session, UnixMillis now);
  void free_slot(Account& account, Session& session);
  static void debit(Account& account, MilliCredits amount);
  static void credit_topup(Account& account, MilliCredits amount);
  nlohmann::json timing_json() const;
  nlohmann::json session_row(const Session& session) const;
  nlohmann::json account_json(const Account& account, UnixMillis now) const;

  JwtSigner signer_;
  Timing timing_;
  std::unordered_map<std::string, Account> accounts_;          // by account id
  std::unordered_map<std::string, std::string> secret_index_;  // api secret -> account id
  std::unordered_map<std::string, Session> sessions_;          // by session id
  std::uint64_t next_account_ = 1;
  std::uint64_t next_session_order_ = 1;
};

}  // namespace creditmeter::emulator

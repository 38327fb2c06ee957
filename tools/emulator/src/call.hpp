// One request as the model sees it (`Call`), the operations it can name (`Op`), and the
// record form a call takes in the state store's write-ahead log.
//
// The shell (http_server) turns an HTTP request into a Call: headers extracted, body parsed.
// The model (Ledger) answers it. Logging the Call, not the HTTP request, is what lets a
// restart rebuild the model by handing it the same calls again.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

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
  kUsageEvents,    // POST /v1/usage-events
  kPrices,         // POST /admin/prices (GET reads them: body empty)
};

// The operation's name in log records and idempotency fingerprints ("heartbeat"). These
// names are part of the state-file format: never rename one.
const char* to_string(Op op);
std::optional<Op> op_from_string(const std::string& name);

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

// The write-ahead log's record of `call` answered at `now`: {op, now, api_secret, bearer,
// key, body, id}.
nlohmann::json call_to_record(const Call& call, UnixMillis now);
// The call of a record written by call_to_record (its `now` is the record's "now").
// Throws std::runtime_error (unknown op) or nlohmann::json::exception (missing field).
Call call_from_record(const nlohmann::json& record);

}  // namespace creditmeter::emulator

#pragma once
// The wire protocol (docs/PROTOCOL.md), pure: builds request bodies and reads answers as a
// tolerant reader (fields in `data` or at the top level, extra fields ignored, numbers may
// be floats). No I/O here; malformed input raises ProtocolError with a clear message.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "creditmeter/credit_summary.hpp"

namespace creditmeter {
namespace core {

using std::chrono::milliseconds;

// A server body that is not what the protocol promises.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The answer to POST /v1/runtime-tokens/request.
struct TokenGrant {
  std::string token;
  std::string session_id;
  std::int64_t expires_at = 0;  // Unix seconds
  milliseconds heartbeat_interval{60000};
  milliseconds offline_grace{300000};
  double credits_per_minute = 0;
  double balance = 0;
  // The account's price list (usage events): action -> price per unit in integer
  // micro-units, rounded once here. Absent from the answer: empty (prices unknown).
  std::map<std::string, std::int64_t> prices_micro;
  std::string unit = "credits";  // what balances and charges count in ("credits", "USD")
};

// One usage event (Session::record), fixed from record() on: a retry resends the same id.
struct UsageEvent {
  std::string event_id;             // a UUID
  std::string action;               // 1-64 bytes
  std::int64_t quantity_milli = 0;  // the quantity in thousandths
  std::int64_t at_ms = 0;           // wall clock at record(), Unix ms
};

// An event the server refused for good (in a 2xx answer's `rejected`).
struct EventRejection {
  std::string event_id, code, message;  // code and message made printable
};

// The answer to POST /v1/usage-events (2xx, and the balance-bearing 402/403). Tolerant:
// absent lists are empty; `charges` (id -> units) may be absent (then `credits_charged` is
// the batch's charge).
struct EventsAck {
  double balance = 0;
  bool has_balance = false;
  double credits_charged = 0;
  std::vector<std::string> accepted, duplicates;
  std::vector<EventRejection> rejected;
  std::map<std::string, double> charges;
  bool has_charges = false;
};

// The answer to a heartbeat or a release.
struct UsageAck {
  double balance = 0;
  double credits_charged = 0;
  std::string token;            // empty when none (releases)
  std::int64_t expires_at = 0;  // of `token`
};

// An error answer, read from the envelope `{"error":{code,message,httpStatus,limit}}`.
struct ApiError {
  int http_status = 0;
  std::string code;     // UPPER_SNAKE, empty when the body had none
  std::string message;  // the server's words (never holds secrets in our protocol)
  int limit = 0;        // CONCURRENCY_LIMIT_REACHED: the plan's limit
  std::optional<milliseconds> retry_after;
};

// What an answer means to a session (docs/PROTOCOL.md, "Errors and what a client should do").
enum class AnswerKind {
  ok,                // 2xx
  insufficient,      // 402: usage acknowledged, pause for billing
  revoked,           // 403 KEY_REVOKED: usage acknowledged, pause for authentication
  token_invalid,     // 401 TOKEN_EXPIRED / INVALID_TOKEN: re-exchange, then resend
  auth_failed,       // 401 INVALID_API_SECRET (on a token exchange)
  concurrency,       // 403 CONCURRENCY_LIMIT_REACHED
  mismatch,          // 422 IDEMPOTENCY_MISMATCH: the key is burnt, usage goes to a new seq
  offline,           // transport errors, 5xx, 429: grace applies
  rejected,          // any other 4xx: our bug or a server we do not understand; retried
};

AnswerKind classify(int http_status, const std::string& code);

// A request a session wants on the wire. Heartbeats and releases are fixed once built:
// a retry resends the very same key and body.
struct Outgoing {
  enum class Kind { heartbeat, release, token_exchange, events };
  Kind kind = Kind::heartbeat;
  std::uint64_t seq = 0;
  std::string idempotency_key;  // empty for token exchanges
  std::string body;
  std::int64_t active_ms = 0;
};

// What came back for a request, interpreted once (decode_answer): the session acts on `kind`.
struct Answer {
  AnswerKind kind = AnswerKind::offline;
  int http_status = 0;        // 0: no answer (transport failure, timeout, abort)
  std::string error;          // transport error or unreadable body: for logs
  ApiError api_error;         // for non-2xx answers
  std::optional<UsageAck> ack;       // a readable heartbeat/release answer (2xx, 402, 403 KEY_REVOKED)
  std::optional<TokenGrant> grant;   // a readable token-exchange answer (2xx)
  std::optional<EventsAck> events;   // a readable usage-events answer (2xx, 402, 403 KEY_REVOKED)
  Outgoing::Kind request = Outgoing::Kind::heartbeat;  // what this answers (the session's lane)
};

// The one reading of an HTTP answer to `request`: classifies it, reads the body where that
// kind carries one (a heartbeat's 402 and 403 KEY_REVOKED acknowledge usage), and takes a 2xx
// whose body cannot be read for `offline` (a captive portal, not our server: resend, the
// idempotency key makes a replay harmless). `transport_error` non-empty with status 0: no
// answer at all. `retry_after` is the header's value, `wall_s` the wall clock for HTTP-dates.
Answer decode_answer(Outgoing::Kind request, int http_status, const std::string& body,
                     const std::string& retry_after, const std::string& transport_error,
                     std::int64_t wall_s);

std::string token_request_body(const std::string& model, const std::string& surface,
                               const std::string& session_id);
std::string heartbeat_body(const std::string& session_id, std::uint64_t seq,
                           std::int64_t active_ms, const std::string& period_start,
                           const std::string& period_end);
std::string release_body(const std::string& session_id, std::uint64_t seq,
                         std::int64_t active_ms);
std::string idempotency_key(const std::string& session_id, std::uint64_t seq);

// Appends `s` as a JSON string (quoted, escaped): how request bodies and journal records are
// written without building a json object first.
void append_json_string(std::string& out, const std::string& s);

// POST /v1/usage-events: `{"events":[{action, at, event_id, quantity}...], "session_id"}`.
std::string events_body(const std::string& session_id, const std::vector<const UsageEvent*>& events);
// A quantity in thousandths as a JSON number with at most 3 decimals ("12.5", "3", "0.001").
std::string milli_text(std::int64_t milli);

TokenGrant parse_token_grant(const std::string& body);
EventsAck parse_events_ack(const std::string& body);
UsageAck parse_usage_ack(const std::string& body);
CreditSummary parse_credit_summary(const std::string& body);
// Never throws: an unreadable body gives an ApiError with an empty code.
ApiError parse_api_error(int http_status, const std::string& body);
// The HTTP status an error answer stands for when it arrives without one (a token provider
// hands over its backend's answer body, not the status): the envelope's `httpStatus` or
// `status_code` (400-599), else the status the protocol gives its `code` (402 for
// INSUFFICIENT_BALANCE, ...); 0 when the body is no error envelope or tells no status.
int error_answer_status(const std::string& body);

// Session ids: 1-128 of [A-Za-z0-9._:-].
bool valid_session_id(const std::string& id);

// Why `grant` must not be used for the session `requested`, or nullopt when it may: the
// answer names another session (a cached or mixed-up answer from the server or the app's
// token provider), or its token's `sid` claim does. A client never adopts another
// session's id: it would bill the wrong session.
std::optional<std::string> session_mismatch(const TokenGrant& grant, const std::string& requested);
// The same for a token renewed by a heartbeat answer (its `sid` claim, when it has one).
std::optional<std::string> token_session_mismatch(const std::string& token, const std::string& requested);

// Caps of what we accept from a server: a hostile one gets a clear error, not our memory.
constexpr std::size_t kMaxBodyBytes = 1 << 20;
constexpr int kMaxJsonDepth = 32;
// Tokens travel in a header of every heartbeat: front servers refuse large headers (HTTP 431).
constexpr std::size_t kMaxTokenBytes = 8192;

}  // namespace core
}  // namespace creditmeter

#include "wire.hpp"

#include <algorithm>

#include <openssl/crypto.h>

#include "core/backoff.hpp"
#include "core/jwt.hpp"
#include "core/printable.hpp"
#include "creditmeter/errors.hpp"
#include "logger.hpp"

namespace creditmeter {
namespace detail {

using std::chrono::milliseconds;

namespace {

// The least offline grace a server may give: below it a session pauses at the first late answer.
constexpr milliseconds kMinOfflineGrace{1000};

// A ProtocolError's words are about "the server"; said of a token provider's answer they
// would blame a server that was never contacted.
std::string provider_words(const std::string& protocol_error) {
  const std::string prefix = "server ";
  return protocol_error.compare(0, prefix.size(), prefix) == 0 ? protocol_error.substr(prefix.size()) : protocol_error;
}

}  // namespace

Wire::Wire(std::string base_url, std::string api_secret, TokenProvider token_provider,
           milliseconds request_timeout, const Logger* logger, milliseconds min_heartbeat_interval)
    : base_url_(std::move(base_url)),
      api_secret_(std::move(api_secret)),
      token_provider_(std::move(token_provider)),
      request_timeout_(request_timeout),
      logger_(logger),
      min_heartbeat_interval_(min_heartbeat_interval) {}

Wire::~Wire() {
  if (!api_secret_.empty()) OPENSSL_cleanse(&api_secret_[0], api_secret_.size());
}

HttpRequest Wire::request(const core::Outgoing& out, const std::string& token, milliseconds interval) const {
  HttpRequest r;
  r.method = "POST";
  r.body = out.body;
  // The protocol's headers, here and not in a transport: an app's own stack sends what it gets.
  r.headers = {"Accept: application/json", "Content-Type: application/json"};
  switch (out.kind) {
    case core::Outgoing::Kind::token_exchange:
      r.url = base_url_ + "/v1/runtime-tokens/request";
      r.headers.push_back("api-secret: " + api_secret_);
      r.timeout = request_timeout_;
      return r;
    case core::Outgoing::Kind::heartbeat: r.url = base_url_ + "/v1/runtime-tokens/heartbeat"; break;
    case core::Outgoing::Kind::release: r.url = base_url_ + "/v1/runtime-tokens/release"; break;
    case core::Outgoing::Kind::events: r.url = base_url_ + "/v1/usage-events"; break;
  }
  r.headers.push_back("Authorization: Bearer " + token);
  // Usage events need no key: each event's id is its idempotency.
  if (!out.idempotency_key.empty()) r.headers.push_back("Idempotency-Key: " + out.idempotency_key);
  r.timeout = std::min(request_timeout_, std::max(interval, milliseconds(1000)));
  return r;
}

core::Answer Wire::answer(core::Outgoing::Kind kind, const HttpResponse& response, std::int64_t wall_s) {
  return core::decode_answer(kind, response.status, response.body, response.retry_after, response.error, wall_s);
}

void Wire::warn(const std::string& message) const {
  if (logger_ != nullptr) logger_->warning(message);
}

void Wire::bound_timing(core::TokenGrant& grant) const {
  const bool interval_low = grant.heartbeat_interval < min_heartbeat_interval_;
  const bool grace_low = grant.offline_grace < kMinOfflineGrace;
  if (!interval_low && !grace_low) return;
  if (!timing_raised_logged_.exchange(true)) {
    warn("the server asked for a heartbeat every " + std::to_string(grant.heartbeat_interval.count()) +
         " ms with an offline grace of " + std::to_string(grant.offline_grace.count()) + " ms; using at least " +
         std::to_string(min_heartbeat_interval_.count()) + " ms (ClientOptions::min_heartbeat_interval) and " +
         std::to_string(kMinOfflineGrace.count()) + " ms (logged once)");
  }
  grant.heartbeat_interval = std::max(grant.heartbeat_interval, min_heartbeat_interval_);
  grant.offline_grace = std::max(grant.offline_grace, kMinOfflineGrace);
}

core::Answer Wire::answer_for(const std::string& session_id, core::Outgoing::Kind kind, const HttpResponse& response,
                              std::int64_t wall_s) const {
  core::Answer a = answer(kind, response, wall_s);
  const bool from_provider = kind == core::Outgoing::Kind::token_exchange && provides_tokens();
  // Any answer of the server's that is not an outage's ends one (its summary says so).
  if (logger_ != nullptr && !from_provider && response.status != 0 && a.kind != core::AnswerKind::offline) {
    logger_->server_reachable();
  }
  if (from_provider && response.status == 200 && !a.grant) {
    a.error = "the token provider's answer is unusable: " + provider_words(a.error);
  }
  if (a.grant) {
    if (auto why = core::session_mismatch(*a.grant, session_id)) {
      a.grant.reset();
      a.kind = core::AnswerKind::auth_failed;
      a.error = std::string(from_provider ? "the token provider's" : "the server's") +
                " answer names another session (" + *why + "): refused, never adopted";
    } else {
      bound_timing(*a.grant);
    }
  }
  if (a.ack && !a.ack->token.empty()) {
    if (auto why = core::token_session_mismatch(a.ack->token, session_id)) {
      a.ack->token.clear();
      warn("session " + session_id + ": the server renewed the token, but " + *why + ": not adopted");
    }
  }
  return a;
}

HttpResponse Wire::provide_token(const std::string& session_id) const {
  HttpResponse r;
  try {
    r.body = token_provider_(session_id);
    // A refusal the backend handed over stands for its status (a 401 fails the re-attach).
    const int refused = core::error_answer_status(r.body);
    r.status = refused != 0 ? refused : 200;
  } catch (const std::exception& e) {
    r.status = 0;
    r.error = std::string("token provider failed: ") + core::printable(redact(e.what(), api_secret_));
  } catch (...) {
    r.status = 0;
    r.error = "token provider failed";
  }
  return r;
}

// ------------------------------------------------------------------------- sync calls

[[noreturn]] void Wire::throw_for(const HttpResponse& response, const std::string& action) const {
  if (response.status == 0) {
    throw NetworkError("cannot " + action + ": no answer from " + base_url_ + ": " + response.error);
  }
  if (response.status >= 300 && response.status < 400) {
    const std::string to = response.location.empty()
                               ? std::string(" (no Location given)")
                               : " to " + core::printable(redact(response.location.substr(0, 512), api_secret_));
    throw Error("cannot " + action + ": the server at " + base_url_ + " answered with a redirect (HTTP " +
                    std::to_string(response.status) + ")" + to +
                    ": redirects are never followed; set base_url to the final address",
                "", response.status);
  }
  const core::ApiError e = core::parse_api_error(response.status, response.body);
  const std::string server = " (HTTP " + std::to_string(response.status) + (e.code.empty() ? "" : " " + e.code) +
                             (e.message.empty() ? "" : ": " + redact(e.message, api_secret_)) + ")";
  switch (core::classify(response.status, e.code)) {
    case core::AnswerKind::auth_failed:
    case core::AnswerKind::token_invalid:
      throw AuthenticationError("cannot " + action + ": the server refused the API secret" + server +
                                    ": check your API secret (api_secret / CREDITMETER_API_SECRET)",
                                e.code, response.status);
    case core::AnswerKind::revoked:
      throw AuthenticationError("cannot " + action + ": the API key is revoked" + server +
                                    ": create a new API secret",
                                e.code, response.status);
    case core::AnswerKind::insufficient:
      throw InsufficientCredits("cannot " + action + ": insufficient credits" + server +
                                    ": top up credits to start a session",
                                e.code, response.status);
    case core::AnswerKind::concurrency:
      throw ConcurrencyLimitError("cannot " + action + ": your plan allows " +
                                      (e.limit > 0 ? std::to_string(e.limit) : std::string("no more")) +
                                      " concurrent sessions" + server +
                                      ": stop another session or upgrade the plan",
                                  e.limit, e.code, response.status);
    case core::AnswerKind::offline: {
      const std::int64_t wall_s = std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch()).count();
      const milliseconds retry_after = response.retry_after.empty()
                                           ? milliseconds(0)
                                           : core::parse_retry_after(response.retry_after, wall_s).value_or(milliseconds(0));
      std::string hint;
      if (response.status == 429) hint = ": rate limited, retry later";
      if (retry_after.count() > 0) {
        hint = ": retry in " + std::to_string((retry_after.count() + 999) / 1000) + " s (Retry-After)";
      }
      throw NetworkError("cannot " + action + ": server unavailable at " + base_url_ + server + hint, e.code,
                         response.status, retry_after);
    }
    default:
      throw Error("cannot " + action + ": the server refused the request" + server, e.code, response.status);
  }
}

[[noreturn]] void Wire::throw_for_provider(const HttpResponse& response, const std::string& action) const {
  const core::ApiError e = core::parse_api_error(response.status, response.body);
  const std::string said = " (HTTP " + std::to_string(response.status) + (e.code.empty() ? "" : " " + e.code) +
                           (e.message.empty() ? "" : ": " + redact(e.message, api_secret_)) + ")";
  const std::string refused =
      "cannot " + action + ": the token provider handed over your backend's refused token exchange" + said;
  switch (core::classify(response.status, e.code)) {
    case core::AnswerKind::auth_failed:
    case core::AnswerKind::token_invalid:
    case core::AnswerKind::revoked:
      throw AuthenticationError(refused + ": check the API secret on your backend", e.code, response.status);
    case core::AnswerKind::insufficient:
      throw InsufficientCredits(refused + ": top up credits to start a session", e.code, response.status);
    case core::AnswerKind::concurrency:
      throw ConcurrencyLimitError(refused + ": your plan allows " +
                                      (e.limit > 0 ? std::to_string(e.limit) : std::string("no more")) +
                                      " concurrent sessions: stop another session or upgrade the plan",
                                  e.limit, e.code, response.status);
    case core::AnswerKind::offline:
      throw NetworkError(refused + ": the billing server is unavailable to your backend, retry later", e.code,
                         response.status);
    default:
      throw Error(refused, e.code, response.status);
  }
}

core::TokenGrant Wire::exchange(Transport& transport, const std::string& session_id, const std::string& model,
                                const std::string& surface, const StopToken& stop) const {
  HttpResponse response;
  if (token_provider_) {
    try {
      response.body = token_provider_(session_id);
      response.status = 200;
    } catch (const std::exception& e) {
      throw AuthenticationError(std::string("cannot start a session: the token provider refused: ") +
                                core::printable(redact(e.what(), api_secret_)));
    } catch (...) {
      throw AuthenticationError("cannot start a session: the token provider refused (it threw a non-standard exception)");
    }
    if (response.body.empty()) {
      throw AuthenticationError(
          "cannot start a session: the token provider returned an empty answer: it must return the JSON body of "
          "the POST /v1/runtime-tokens/request answer your backend got (or throw to refuse)");
    }
    // The backend's refusal, handed over as it came: it stands for its status (a 402 is
    // InsufficientCredits here as from the server), never for an unreadable answer.
    if (const int refused = core::error_answer_status(response.body); refused != 0) response.status = refused;
  } else {
    core::Outgoing out;
    out.kind = core::Outgoing::Kind::token_exchange;
    out.body = core::token_request_body(model, surface, session_id);
    response = transport.perform(request(out, "", request_timeout_), stop);
    if (response.interrupted) throw CallInterrupted("the token exchange was interrupted", response.request_sent);
  }
  if (response.status < 200 || response.status >= 300) {
    if (token_provider_) throw_for_provider(response, "start a session");
    throw_for(response, "start a session");
  }
  core::TokenGrant grant;
  try {
    grant = core::parse_token_grant(response.body);
  } catch (const core::ProtocolError& e) {
    if (token_provider_) {
      const core::ApiError held = core::parse_api_error(0, response.body);
      std::string error;
      if (!held.code.empty()) {
        error = " (it holds the error " + held.code +
                (held.message.empty() ? "" : ": " + redact(held.message, api_secret_)) + ")";
      }
      throw AuthenticationError(std::string("cannot start a session: the token provider's answer is unusable: ") +
                                provider_words(e.what()) + error +
                                ": it must return the JSON body of the POST /v1/runtime-tokens/request answer",
                                held.code);
    }
    throw NetworkError(std::string("cannot start a session: unreadable answer from ") + base_url_ + ": " + e.what(),
                       "", response.status);
  }
  const char* source = token_provider_ ? "the token provider's" : "the server's";
  if (auto why = core::session_mismatch(grant, session_id)) {
    throw AuthenticationError("cannot start session `" + session_id + "`: " + source +
                              " answer names another session (" + *why +
                              "): refused, so that no usage is billed to the wrong session (a cached or mixed-up "
                              "token exchange?)",
                              "", response.status);
  }
  const std::int64_t exp = core::jwt_expiry(grant.token).value_or(grant.expires_at);
  const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count();
  if (exp > 0 && exp <= now_s) {
    warn("session " + session_id + ": " + source + " token expired " + std::to_string(now_s - exp) +
         " s ago by this device's clock (a cached answer, or a wrong clock?): its first heartbeat will re-attach");
  }
  bound_timing(grant);
  return grant;
}

CreditSummary Wire::credit_summary(Transport& transport, const StopToken& stop) const {
  if (api_secret_.empty()) {
    throw InvalidArgument("credit_summary() needs the API secret; in secretless mode ask your backend");
  }
  HttpRequest r;
  r.method = "GET";
  r.url = base_url_ + "/v2/credit-summaries";
  r.headers = {"Accept: application/json", "api-secret: " + api_secret_};
  r.timeout = request_timeout_;
  const HttpResponse response = transport.perform(r, stop);
  if (response.interrupted) throw CallInterrupted("the credit summary request was interrupted", response.request_sent);
  if (response.status < 200 || response.status >= 300) throw_for(response, "read the credit summary");
  try {
    return core::parse_credit_summary(response.body);
  } catch (const core::ProtocolError& e) {
    throw NetworkError(std::string("cannot read the credit summary: unreadable answer from ") + base_url_ + ": " +
                           e.what(),
                       "", response.status);
  }
}

}  // namespace detail
}  // namespace creditmeter

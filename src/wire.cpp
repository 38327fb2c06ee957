#include "wire.hpp"

#include <algorithm>

#include <openssl/crypto.h>

#include "creditmeter/errors.hpp"
#include "logger.hpp"

namespace creditmeter {
namespace detail {

using std::chrono::milliseconds;

Wire::Wire(std::string base_url, std::string api_secret, TokenProvider token_provider,
           milliseconds request_timeout)
    : base_url_(std::move(base_url)),
      api_secret_(std::move(api_secret)),
      token_provider_(std::move(token_provider)),
      request_timeout_(request_timeout) {}

Wire::~Wire() {
  if (!api_secret_.empty()) OPENSSL_cleanse(&api_secret_[0], api_secret_.size());
}

HttpRequest Wire::request(const core::Outgoing& out, const std::string& token, milliseconds interval) const {
  HttpRequest r;
  r.method = "POST";
  r.body = out.body;
  switch (out.kind) {
    case core::Outgoing::Kind::token_exchange:
      r.url = base_url_ + "/v1/runtime-tokens/request";
      r.headers.push_back("api-secret: " + api_secret_);
      r.timeout = request_timeout_;
      return r;
    case core::Outgoing::Kind::heartbeat: r.url = base_url_ + "/v1/runtime-tokens/heartbeat"; break;
    case core::Outgoing::Kind::release: r.url = base_url_ + "/v1/runtime-tokens/release"; break;
  }
  r.headers.push_back("Authorization: Bearer " + token);
  r.headers.push_back("Idempotency-Key: " + out.idempotency_key);
  r.timeout = std::min(request_timeout_, std::max(interval, milliseconds(1000)));
  return r;
}

core::Answer Wire::answer(core::Outgoing::Kind kind, const HttpResponse& response, std::int64_t wall_s) {
  return core::decode_answer(kind, response.status, response.body, response.retry_after, response.error, wall_s);
}

HttpResponse Wire::provide_token(const std::string& session_id) const {
  HttpResponse r;
  try {
    r.body = token_provider_(session_id);
    r.status = 200;
  } catch (const std::exception& e) {
    r.status = 0;
    r.error = std::string("token provider failed: ") + redact(e.what(), api_secret_);
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
      std::string hint;
      if (response.status == 429) hint = ": rate limited, retry later";
      throw NetworkError("cannot " + action + ": server unavailable at " + base_url_ + server + hint, e.code,
                         response.status);
    }
    default:
      throw Error("cannot " + action + ": the server refused the request" + server, e.code, response.status);
  }
}

core::TokenGrant Wire::exchange(Transport& transport, const std::string& session_id, const std::string& model,
                                const std::string& surface) const {
  HttpResponse response;
  if (token_provider_) {
    try {
      response.body = token_provider_(session_id);
      response.status = 200;
    } catch (const std::exception& e) {
      throw AuthenticationError(std::string("cannot start a session: the token provider refused: ") +
                                redact(e.what(), api_secret_));
    }
  } else {
    core::Outgoing out;
    out.kind = core::Outgoing::Kind::token_exchange;
    out.body = core::token_request_body(model, surface, session_id);
    response = transport.perform(request(out, "", request_timeout_));
  }
  if (response.status < 200 || response.status >= 300) throw_for(response, "start a session");
  try {
    return core::parse_token_grant(response.body);
  } catch (const core::ProtocolError& e) {
    throw NetworkError(std::string("cannot start a session: unreadable answer from ") + base_url_ + ": " + e.what());
  }
}

CreditSummary Wire::credit_summary(Transport& transport) const {
  if (api_secret_.empty()) {
    throw InvalidArgument("credit_summary() needs the API secret; in secretless mode ask your backend");
  }
  HttpRequest r;
  r.method = "GET";
  r.url = base_url_ + "/v2/credit-summaries";
  r.headers.push_back("api-secret: " + api_secret_);
  r.timeout = request_timeout_;
  const HttpResponse response = transport.perform(r);
  if (response.status < 200 || response.status >= 300) throw_for(response, "read the credit summary");
  try {
    return core::parse_credit_summary(response.body);
  } catch (const core::ProtocolError& e) {
    throw NetworkError(std::string("cannot read the credit summary: unreadable answer: ") + e.what());
  }
}

}  // namespace detail
}  // namespace creditmeter

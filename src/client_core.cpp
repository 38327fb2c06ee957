#include "client_core.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <openssl/crypto.h>

#include "core/backoff.hpp"
#include "core/protocol.hpp"
#include "creditmeter/errors.hpp"
#include "curl_transport.hpp"
#include "core/jwt.hpp"
#include "core/rate_card.hpp"
#include "endpoint.hpp"
#include "journal.hpp"
#include "session_impl.hpp"
#include "fork_guard.hpp"
#include "uuid.hpp"

namespace creditmeter {
namespace detail {

using std::chrono::milliseconds;

namespace {

std::string env_or(const std::string& value, const char* name) {
  if (!value.empty()) return value;
  const char* env = std::getenv(name);
  return env != nullptr ? env : "";
}

void wipe(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(&secret[0], secret.size());
  secret.clear();
}

bool has_control_chars(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Model and surface names travel in JSON and logs: keep them short and plain.
void check_name(const std::string& value, const char* field) {
  const bool ok = !value.empty() && value.size() <= 64 &&
                  std::all_of(value.begin(), value.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           c == '_' || c == '-' || c == '.';
                  });
  if (!ok) {
    throw InvalidArgument(std::string("SessionOptions::") + field +
                          " must be 1-64 characters of [A-Za-z0-9_.-], e.g. \"essence\" or \"cloud\"");
  }
}

void check_duration(milliseconds value, const char* field, bool zero_ok) {
  if (value.count() < 0 || (!zero_ok && value.count() == 0)) {
    throw InvalidArgument(std::string("ClientOptions::") + field + (zero_ok ? " must not be negative" : " must be positive"));
  }
}

void add_to_usage(ClientUsage& u, const SessionStats& st) {
  ++u.sessions;
  u.active_ms += st.active_ms;
  u.reported_ms += st.reported_ms;
  u.credits_charged += st.credits_charged;
  u.heartbeats_ok += st.heartbeats_ok;
  u.heartbeats_failed += st.heartbeats_failed;
}

}  // namespace

std::shared_ptr<ClientCore> ClientCore::create(ClientOptions options, std::shared_ptr<Transport> transport) {
  options.base_url = validate_base_url(env_or(options.base_url, "CREDITMETER_BASE_URL"), options.allow_insecure_http);
  options.api_secret = env_or(options.api_secret, "CREDITMETER_API_SECRET");
  if (options.api_secret.empty() && !options.token_provider) {
    throw InvalidArgument(
        "api_secret is not set: pass ClientOptions::api_secret, set CREDITMETER_API_SECRET, or give a "
        "token_provider (secretless mode)");
  }
  if (has_control_chars(options.api_secret)) {
    wipe(options.api_secret);
    throw InvalidArgument("api_secret contains control characters (a stray newline?)");
  }
  check_duration(options.shutdown_timeout, "shutdown_timeout", true);
  check_duration(options.connect_timeout, "connect_timeout", false);
  check_duration(options.request_timeout, "request_timeout", false);
  check_duration(options.idle_after, "idle_after", false);
  if (options.max_credits && !(*options.max_credits >= 0)) {
    throw InvalidArgument("ClientOptions::max_credits must be a number >= 0");
  }
  if (has_control_chars(options.ca_file) || has_control_chars(options.proxy) ||
      has_control_chars(options.pinned_public_key)) {
    throw InvalidArgument("ca_file, proxy and pinned_public_key must not contain control characters");
  }
  std::shared_ptr<ClientCore> core(new ClientCore(std::move(options), std::move(transport)));
  // Secretless clients learn their account from their first token (its `sub` claim).
  if (!core->options_.api_secret.empty()) core->open_journal(account_key_from_secret(core->options_.api_secret));
  return core;
}

void ClientCore::open_journal(const std::string& account) {
  std::lock_guard<std::mutex> lock(journal_mutex_);
  if (journal_) return;
  if (options_.journal_dir.has_value() && options_.journal_dir->empty()) return;  // "" = no journal
  const std::string root = options_.journal_dir.has_value() ? *options_.journal_dir : default_journal_root();
  if (root.empty()) {
    logger_->warning("usage journal disabled: neither XDG_STATE_HOME nor HOME is set; set ClientOptions::journal_dir");
    return;
  }
  journal_ = Journal::open(root, options_.base_url, account, options_.journal_max_bytes, *logger_);
  if (!journal_) return;
  journal_ptr_.store(journal_.get(), std::memory_order_release);

  // Recovery: what dead processes still owe goes into our journal first, then out.
  std::vector<std::shared_ptr<SessionImpl>> recovered;
  for (const core::RecoveredSession& r : journal_->adopt_orphans()) {
    core::SessionMachine machine(r, clock_->now(), [this] { return random01(); });
    auto session = std::make_shared<SessionImpl>(shared_from_this(), r.session_id, std::move(machine),
                                                 SessionImpl::Callbacks{}, options_.idle_after);
    for (const auto& record : session->journal_snapshot()) journal_->append(record);
    logger_->info("session " + r.session_id + ": recovering " +
                  std::to_string(std::max<std::int64_t>(0, r.total_ms - r.sent_ms)) +
                  " ms of unreported usage and " + std::to_string(r.unacknowledged.size()) +
                  " unacknowledged request(s) from a previous process");
    recovered.push_back(std::move(session));
  }
  if (journal_->commit()) journal_->release_orphans();
  for (auto& s : recovered) scheduler_.add(s, shared_from_this());
}

ClientCore::ClientCore(ClientOptions options, std::shared_ptr<Transport> transport)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : system_clock()),
      logger_(std::make_unique<Logger>(options_.log, options_.log_level, options_.api_secret)),
      transport_(std::move(transport)),
      scheduler_(*this),
      fork_generation_(fork_generation()),
      prng_(std::random_device{}()) {
  max_credits_ = options_.max_credits;
  if (!transport_) {
    CurlConfig config;
    config.ca_file = options_.ca_file;
    config.pinned_public_key = options_.pinned_public_key;
    config.proxy = options_.proxy;
    config.connect_timeout = options_.connect_timeout;
    transport_ = std::make_shared<CurlTransport>(std::move(config));
  }
}

ClientCore::~ClientCore() { wipe(options_.api_secret); }

bool ClientCore::in_forked_child() const { return fork_generation() != fork_generation_; }

void ClientCore::check_usable() const {
  if (in_forked_child()) {
    throw InvalidArgument("this Client was created in another process (before fork()): create a new Client in the child");
  }
  if (shut_down_) throw InvalidArgument("this Client is shut down");
}

double ClientCore::random01() {
  if (options_.random) return options_.random();
  std::lock_guard<std::mutex> lock(random_mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(prng_);
}

// ------------------------------------------------------------------------- requests

HttpRequest ClientCore::build_request(const core::Outgoing& out, const std::string& token,
                                      milliseconds interval) const {
  HttpRequest r;
  r.method = "POST";
  r.body = out.body;
  switch (out.kind) {
    case core::Outgoing::Kind::token_exchange:
      r.url = options_.base_url + "/v1/runtime-tokens/request";
      r.headers.push_back("api-secret: " + options_.api_secret);
      r.timeout = options_.request_timeout;
      return r;
    case core::Outgoing::Kind::heartbeat: r.url = options_.base_url + "/v1/runtime-tokens/heartbeat"; break;
    case core::Outgoing::Kind::release: r.url = options_.base_url + "/v1/runtime-tokens/release"; break;
  }
  r.headers.push_back("Authorization: Bearer " + token);
  r.headers.push_back("Idempotency-Key: " + out.idempotency_key);
  // A hung request must not outlive a heartbeat interval: the next attempt is better news.
  r.timeout = std::min(options_.request_timeout, std::max(interval, milliseconds(1000)));
  return r;
}

HttpResponse ClientCore::provide_token(const std::string& session_id) const {
  HttpResponse r;
  try {
    r.body = options_.token_provider(session_id);
    r.status = 200;
  } catch (const std::exception& e) {
    r.status = 0;
    r.error = std::string("token provider failed: ") + e.what();
  } catch (...) {
    r.status = 0;
    r.error = "token provider failed";
  }
  return r;
}

core::Answer ClientCore::read_answer(core::Outgoing::Kind kind, const HttpResponse& response,
                                     std::int64_t wall_s) const {
  return core::decode_answer(kind, response.status, response.body, response.retry_after, response.error, wall_s);
}

// ------------------------------------------------------------------------- sync calls

[[noreturn]] void ClientCore::throw_for(const HttpResponse& response, const std::string& action) const {
  const std::string& url = options_.base_url;
  if (response.status == 0) {
    throw NetworkError("cannot " + action + ": no answer from " + url + ": " + response.error);
  }
  const core::ApiError e = core::parse_api_error(response.status, response.body);
  const std::string server = " (HTTP " + std::to_string(response.status) + (e.code.empty() ? "" : " " + e.code) +
                             (e.message.empty() ? "" : ": " + redact(e.message, options_.api_secret)) + ")";
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
      throw NetworkError("cannot " + action + ": server unavailable at " + url + server + hint, e.code,
                         response.status);
    }
    default:
      throw Error("cannot " + action + ": the server refused the request" + server, e.code, response.status);
  }
}

core::TokenGrant ClientCore::exchange(const std::string& session_id, const std::string& model,
                                      const std::string& surface) {
  HttpResponse response;
  if (options_.token_provider) {
    try {
      response.body = options_.token_provider(session_id);
      response.status = 200;
    } catch (const std::exception& e) {
      throw AuthenticationError(std::string("cannot start a session: the token provider refused: ") +
                                redact(e.what(), options_.api_secret));
    }
  } else {
    core::Outgoing out;
    out.kind = core::Outgoing::Kind::token_exchange;
    out.body = core::token_request_body(model, surface, session_id);
    response = transport_->perform(build_request(out, "", options_.request_timeout));
  }
  if (response.status < 200 || response.status >= 300) throw_for(response, "start a session");
  try {
    return core::parse_token_grant(response.body);
  } catch (const core::ProtocolError& e) {
    throw NetworkError(std::string("cannot start a session: unreadable answer from ") + options_.base_url + ": " +
                       e.what());
  }
}

std::shared_ptr<SessionImpl> ClientCore::start_session(SessionOptions options) {
  check_usable();
  check_name(options.model, "model");
  check_name(options.surface, "surface");
  if (options.max_credits && !(*options.max_credits >= 0)) {
    throw InvalidArgument("SessionOptions::max_credits must be a number >= 0");
  }
  if (!(options.low_balance_minutes >= 0) ||
      (options.low_balance_credits && !std::isfinite(*options.low_balance_credits))) {
    throw InvalidArgument("SessionOptions::low_balance_minutes must be >= 0 and low_balance_credits finite");
  }
  std::string id = options.session_id.empty() ? random_uuid() : options.session_id;
  if (!core::valid_session_id(id)) {
    throw InvalidArgument("SessionOptions::session_id must be 1-128 characters of [A-Za-z0-9._:-]");
  }

  std::shared_ptr<SessionImpl> session;
  if (options.audio_only) {
    // Free: no token, no network call, no thread.
    session = std::make_shared<SessionImpl>(
        shared_from_this(), id, std::nullopt,
        SessionImpl::Callbacks{std::move(options.on_state_change), nullptr, nullptr}, options_.idle_after);
  } else {
    const core::TokenGrant grant = exchange(id, options.model, options.surface);
    const auto wall_ms = std::chrono::duration_cast<milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
    if (options_.api_secret.empty()) {
      if (auto sub = core::jwt_subject(grant.token)) open_journal(*sub);
    }
    if (Journal* j = journal()) {
      j->append(core::session_record(grant.session_id, options.model, options.surface,
                                     grant.heartbeat_interval.count(), grant.offline_grace.count()));
    }
    core::SessionMachine machine(grant.session_id, options.model, options.surface, grant, clock_->now(), wall_ms,
                                 [this] { return random01(); });
    machine.set_credit_policy(core::CreditPolicy{options.low_balance_minutes, options.low_balance_credits,
                                                 options.max_credits});
    session = std::make_shared<SessionImpl>(
        shared_from_this(), grant.session_id, std::move(machine),
        SessionImpl::Callbacks{std::move(options.on_state_change), std::move(options.on_balance),
                               std::move(options.on_low_balance)},
        options_.idle_after);
    logger_->info("session " + grant.session_id + " started (" + options.model + "/" + options.surface +
                  ", heartbeat every " + std::to_string(grant.heartbeat_interval.count()) + " ms)");
    scheduler_.add(session, shared_from_this());
  }
  {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    // Ended sessions are pruned when the list has doubled since the last prune: amortised
    // O(1) per start (pruning on every start made it O(sessions): 10,000 live sessions cost
    // each new start tens of microseconds).
    if (sessions_.size() >= prune_at_) {
      sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(), [](const auto& w) { return w.expired(); }),
                      sessions_.end());
      prune_at_ = std::max<std::size_t>(64, 2 * sessions_.size());
    }
    sessions_.push_back(session);
  }
  return session;
}

CreditSummary ClientCore::credit_summary() {
  check_usable();
  if (options_.api_secret.empty()) {
    throw InvalidArgument("credit_summary() needs the API secret; in secretless mode ask your backend");
  }
  HttpRequest r;
  r.method = "GET";
  r.url = options_.base_url + "/v2/credit-summaries";
  r.headers.push_back("api-secret: " + options_.api_secret);
  r.timeout = options_.request_timeout;
  const HttpResponse response = transport_->perform(r);
  if (response.status < 200 || response.status >= 300) throw_for(response, "read the credit summary");
  try {
    return core::parse_credit_summary(response.body);
  } catch (const core::ProtocolError& e) {
    throw NetworkError(std::string("cannot read the credit summary: unreadable answer: ") + e.what());
  }
}

std::int64_t ClientCore::estimate(const std::string& model, const std::string& surface) {
  check_name(model, "model");
  check_name(surface, "surface");
  const CreditSummary summary = credit_summary();
  // The server's figure wins: it knows rates the SDK's seed card does not.
  const auto it = summary.estimated_minutes.find(model + "_" + surface);
  if (it != summary.estimated_minutes.end()) return it->second;
  const auto rate = core::seed_rate(model, surface);
  if (!rate) {
    throw InvalidArgument("no rate known for " + model + "/" + surface +
                          ": the server sent no estimate and it is not on the seed rate card");
  }
  return summary.balance <= 0 ? 0 : static_cast<std::int64_t>(std::floor(summary.balance / *rate));
}

ClientUsage ClientCore::usage() const {
  ClientUsage u;
  {
    std::lock_guard<std::mutex> lock(usage_mutex_);
    u = retired_;
  }
  std::vector<std::shared_ptr<SessionImpl>> live;
  {
    std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(sessions_mutex_));
    for (const auto& w : sessions_) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
  }
  for (const auto& s : live) add_to_usage(u, s->stats());
  return u;
}

void ClientCore::retire(const SessionStats& st) {
  std::lock_guard<std::mutex> lock(usage_mutex_);
  add_to_usage(retired_, st);
}

void ClientCore::set_max_credits(std::optional<double> max_credits) {
  if (max_credits && !(*max_credits >= 0)) throw InvalidArgument("max_credits must be a number >= 0");
  {
    std::lock_guard<std::mutex> lock(usage_mutex_);
    max_credits_ = max_credits;
  }
  for (const auto& s : scheduler_.sessions()) scheduler_.poke(s);
}

std::optional<double> ClientCore::max_credits() const {
  std::lock_guard<std::mutex> lock(usage_mutex_);
  return max_credits_;
}

bool ClientCore::flush(milliseconds timeout) {
  check_usable();
  if (timeout.count() < 0) throw InvalidArgument("flush(): timeout must not be negative");
  return scheduler_.flush(timeout);
}

void ClientCore::shutdown() {
  if (in_forked_child()) return;  // a fork()ed child owns no thread here
  std::vector<std::shared_ptr<SessionImpl>> sessions;
  {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    if (shut_down_) return;
    shut_down_ = true;
    for (auto& w : sessions_) {
      if (auto s = w.lock()) sessions.push_back(std::move(s));
    }
  }
  for (auto& s : sessions) s->stop();
  scheduler_.shutdown(options_.shutdown_timeout);
  if (!scheduler_.on_scheduler_thread()) {
    // Closing the journal frees its lock: what it still holds is the next Client's to deliver.
    std::lock_guard<std::mutex> lock(journal_mutex_);
    journal_ptr_.store(nullptr, std::memory_order_release);
    // A scheduler that ran decided cleanliness itself (finish_loop); one that never ran owes nothing.
    if (journal_ && !scheduler_.ever_started()) journal_->set_clean(true);
    journal_.reset();
  }
}

}  // namespace detail
}  // namespace creditmeter

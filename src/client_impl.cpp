#include "client_impl.hpp"

#include <algorithm>
#include <cmath>

#include <openssl/crypto.h>

#include "client_options.hpp"
#include "core/jwt.hpp"
#include "core/rate_card.hpp"
#include "core/session_machine.hpp"
#include "creditmeter/errors.hpp"
#include "app_transport.hpp"
#if CREDITMETER_WITH_CURL
#include "curl_transport.hpp"
#endif
#include "fork_guard.hpp"
#include "scheduler_observer.hpp"
#include "session_impl.hpp"
#include "stop_state.hpp"

namespace creditmeter {
namespace detail {

using std::chrono::milliseconds;

namespace {

// The options every part but the wire keeps: the secret lives in the Wire (and, only to
// scrub it from messages, in the Logger).
ClientOptions without_secret(const ClientOptions& options) {
  ClientOptions o = options;
  o.api_secret.clear();
  return o;
}

// The app's own HTTP stack when it gives one, else libcurl (resolve_client_options() refused
// a client without a transport in a build without libcurl).
std::shared_ptr<Transport> make_transport(const ClientOptions& options, Clock& clock) {
  if (options.transport) return std::make_shared<AppTransport>(options.transport, clock);
#if CREDITMETER_WITH_CURL
  CurlConfig config;
  config.ca_file = options.ca_file;
  config.pinned_public_key = options.pinned_public_key;
  config.proxy = options.proxy;
  config.connect_timeout = options.connect_timeout;
  return std::make_shared<CurlTransport>(std::move(config));
#else
  return nullptr;
#endif
}

}  // namespace

std::shared_ptr<ClientImpl> ClientImpl::create(ClientOptions options) {
  options = resolve_client_options(std::move(options));
  std::shared_ptr<ClientImpl> client(new ClientImpl(std::move(options)));
  // Secretless clients learn their account from their first token (its `sub` claim).
  if (!client->wire_.api_secret().empty()) client->open_journal(account_key_from_secret(client->wire_.api_secret()));
  return client;
}

ClientImpl::ClientImpl(ClientOptions options)
    : options_(without_secret(options)),
      clock_(options.clock ? options.clock : system_clock()),
      logger_(options.log, options.log_level, options.api_secret, clock_),
      wire_(options.base_url, options.api_secret, options.token_provider, options.request_timeout, &logger_,
            options.min_heartbeat_interval),
      transport_(make_transport(options, *clock_)),
      callbacks_(logger_),
      scheduler_(Scheduler::Parts{*clock_, *transport_, wire_, journal_, logger_, registry_,
                                  scheduler_observer_of(options.transport)}),
      fork_generation_(fork_generation()),
      prng_(std::random_device{}()) {
  if (!options.api_secret.empty()) OPENSSL_cleanse(&options.api_secret[0], options.api_secret.size());
  scheduler_.set_client_cap(options_.max_credits);
}

ClientImpl::~ClientImpl() = default;

bool ClientImpl::in_forked_child() const { return fork_generation() != fork_generation_; }

void ClientImpl::check_usable() const {
  if (in_forked_child()) {
    throw InvalidArgument("this Client was created in another process (before fork()): create a new Client in the child");
  }
  std::lock_guard<std::mutex> lock(shutdown_mutex_);
  if (shut_down_) throw InvalidArgument("this Client is shut down");
}

double ClientImpl::random01() {
  if (options_.random) return options_.random();
  std::lock_guard<std::mutex> lock(random_mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(prng_);
}

SessionContext ClientImpl::session_context() {
  SessionContext c;
  c.owner = shared_from_this();
  c.clock = clock_.get();
  c.scheduler = &scheduler_;
  c.callbacks = &callbacks_;
  c.registry = &registry_;
  c.logger = &logger_;
  c.fork_generation = fork_generation_;
  return c;
}

// ------------------------------------------------------------------------- calls in progress

// One waiting call on a user's thread: its own stop, requested by the caller's token or by
// shutdown(), which waits (until its deadline) for every Call to leave.
class ClientImpl::Call {
 public:
  Call(ClientImpl& client, const StopToken& caller)
      : client_(client),
        by_caller_(caller, [this] { stop_.request_stop(); }),
        by_close_(client.closing_.get_token(), [this] { stop_.request_stop(); }) {
    std::lock_guard<std::mutex> lock(client_.calls_mutex_);
    ++client_.calls_;
  }
  ~Call() {
    std::lock_guard<std::mutex> lock(client_.calls_mutex_);
    if (--client_.calls_ == 0) client_.calls_left_.notify_all();
  }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
  StopToken token() const { return stop_.get_token(); }
  bool stopped() const { return stop_.stop_requested(); }

 private:
  ClientImpl& client_;
  StopSource stop_;
  StopCallback by_caller_, by_close_;
};

Interrupted ClientImpl::interrupted(const std::string& what) const {
  return Interrupted(what + " was interrupted: " +
                     (closing_.stop_requested() ? std::string("the Client is closing (close() on another thread)")
                                                : std::string("its StopToken was stopped")));
}

// ------------------------------------------------------------------------- journal

void ClientImpl::open_journal(const std::string& account) {
  if (options_.journal_dir.has_value() && options_.journal_dir->empty()) return;  // "" = no journal
  const bool opened_now = journal_.open_once([&]() -> std::unique_ptr<Journal> {
    const std::string root = options_.journal_dir.has_value() ? *options_.journal_dir : default_journal_root();
    if (root.empty()) {
      logger_.warning(
          "usage journal disabled: no default state directory here (XDG_STATE_HOME and HOME unset, or Android); "
          "set ClientOptions::journal_dir");
      return nullptr;
    }
    return Journal::open(root, wire_.base_url(), account, options_.journal_max_bytes, logger_);
  });
  Journal* journal = journal_.get();
  if (!opened_now || journal == nullptr) return;

  // Recovery: what dead processes still owe goes into our journal first, then out.
  std::vector<std::shared_ptr<SessionImpl>> recovered;
  for (const core::RecoveredSession& r : journal->adopt_orphans()) {
    core::SessionMachine machine(r, clock_->now(), [this] { return random01(); });
    machine.set_event_batch_delay(options_.event_batch_delay);
    auto session = std::make_shared<SessionImpl>(session_context(), r.session_id, std::move(machine),
                                                 /*metered=*/true, SessionImpl::Callbacks{}, options_.idle_after);
    session->open_callbacks();  // it has none: nothing to hold
    for (const auto& record : session->journal_snapshot()) journal->append(record);
    logger_.info("session " + r.session_id + ": recovering " +
                 std::to_string(std::max<std::int64_t>(0, r.total_ms - r.sent_ms)) +
                 " ms of unreported usage, " + std::to_string(r.unacknowledged.size()) +
                 " unacknowledged request(s) and " + std::to_string(r.events.size()) +
                 " unsettled usage event(s) from a previous process");
    recovered.push_back(std::move(session));
  }
  if (journal->commit()) journal->release_orphans();
  for (auto& s : recovered) scheduler_.add(s);
}

// ------------------------------------------------------------------------- sessions

std::shared_ptr<SessionImpl> ClientImpl::start_session(SessionOptions options, const StopToken& stop) {
  Call call(*this, stop);
  check_usable();
  const std::string id = check_session_options(options);
  std::shared_ptr<SessionImpl> session;
  if (options.audio_only) {
    // Free: no token, no network call, no thread.
    session = std::make_shared<SessionImpl>(
        session_context(), id, core::SessionMachine::audio_only(id, options.model, options.surface),
        /*metered=*/false, SessionImpl::Callbacks{std::move(options.on_state_change), nullptr, nullptr, nullptr},
        options_.idle_after);
    registry_.add(session, /*keep=*/false);
    return session;
  }
  if (call.stopped()) throw interrupted("start_session()");  // nothing was sent
  core::TokenGrant grant;
  try {
    grant = wire_.exchange(*transport_, id, options.model, options.surface, call.token());
  } catch (const CallInterrupted& e) {
    if (e.request_sent) release_unclaimed(id, options.model, options.surface);
    throw interrupted("start_session()");
  }
  if (call.stopped()) {
    // The answer came, but the caller no longer waits for it: the session ends at once,
    // without callbacks (its caller never gets it).
    options.on_state_change = nullptr;
    options.on_balance = nullptr;
    options.on_low_balance = nullptr;
    options.on_event_rejected = nullptr;
  }
  const auto wall_ms = std::chrono::duration_cast<milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
  if (wire_.api_secret().empty()) {
    if (auto sub = core::jwt_subject(grant.token)) open_journal(*sub);
  }
  if (Journal* j = journal_.get()) {
    j->append(core::session_record(grant.session_id, options.model, options.surface,
                                   grant.heartbeat_interval.count(), grant.offline_grace.count()));
  }
  core::SessionMachine machine(grant.session_id, options.model, options.surface, grant, clock_->now(), wall_ms,
                               [this] { return random01(); });
  machine.set_credit_policy(core::CreditPolicy{options.low_balance_minutes, options.low_balance_credits,
                                               options.max_credits});
  machine.set_event_batch_delay(options_.event_batch_delay);
  session = std::make_shared<SessionImpl>(
      session_context(), grant.session_id, std::move(machine), /*metered=*/true,
      SessionImpl::Callbacks{std::move(options.on_state_change), std::move(options.on_balance),
                             std::move(options.on_low_balance), std::move(options.on_event_rejected)},
      options_.idle_after);
  logger_.info("session " + grant.session_id + " started (" + options.model + "/" + options.surface +
               ", heartbeat every " + std::to_string(grant.heartbeat_interval.count()) + " ms)");
  if (call.stopped()) {
    session->open_callbacks();  // it has none
    session->stop();
    scheduler_.add(session);
    logger_.info("session " + grant.session_id + ": its start was interrupted after the answer came: released");
    {
      std::lock_guard<std::mutex> lock(calls_mutex_);
      if (calls_abandoned_) {
        logger_.warning("session " + grant.session_id +
                        " started after the Client shut down (a token provider outlived shutdown_timeout): "
                        "its release cannot be sent; the server frees its slot when it expires");
      }
    }
    throw interrupted("start_session()");
  }
  scheduler_.add(session);
  return session;
}

void ClientImpl::release_unclaimed(const std::string& session_id, const std::string& model, const std::string& surface) {
  core::RecoveredSession r;
  r.session_id = session_id;
  r.model = model;
  r.surface = surface;
  core::SessionMachine machine(r, clock_->now(), [this] { return random01(); });
  auto session = std::make_shared<SessionImpl>(session_context(), session_id, std::move(machine),
                                               /*metered=*/true, SessionImpl::Callbacks{}, options_.idle_after);
  session->open_callbacks();  // it has none
  if (Journal* journal = journal_.get()) {
    for (const auto& record : session->journal_snapshot()) journal->append(record);
  }
  logger_.info("session " + session_id +
               ": its start was interrupted after the token exchange was sent: releasing any session the server "
               "made for it");
  scheduler_.add(session);
}

CreditSummary ClientImpl::credit_summary(const StopToken& stop) {
  Call call(*this, stop);
  check_usable();
  try {
    return wire_.credit_summary(*transport_, call.token());
  } catch (const CallInterrupted&) {
    throw interrupted("credit_summary()");
  }
}

std::int64_t ClientImpl::estimate(const std::string& model, const std::string& surface, const StopToken& stop) {
  check_model_name(model, "model");
  check_model_name(surface, "surface");
  const CreditSummary summary = credit_summary(stop);
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

void ClientImpl::set_max_credits(std::optional<double> max_credits) {
  check_max_credits(max_credits, "max_credits");
  scheduler_.set_client_cap(max_credits);
}

void ClientImpl::network_changed(bool reachable) {
  if (in_forked_child()) return;
  logger_.info(reachable ? "the app says the network is back: waiting requests go now"
                         : "the app says the network is gone: retries slow to a probe");
  for (auto& s : registry_.kept()) {
    s->network_changed(reachable);
    scheduler_.poke(s);
  }
}

bool ClientImpl::flush(milliseconds timeout, const StopToken& stop) {
  Call call(*this, stop);
  check_usable();
  if (timeout.count() < 0) throw InvalidArgument("flush(): timeout must not be negative");
  if (callbacks_.on_thread()) return false;  // the scheduler would wait on this callback's return
  // A century is forever (milliseconds::max() would overflow the clock's time points).
  return scheduler_.flush(std::min<milliseconds>(timeout, std::chrono::hours(24 * 365 * 100)), call.token());
}

void ClientImpl::shutdown() {
  if (in_forked_child()) return;  // a fork()ed child owns no thread here
  {
    std::lock_guard<std::mutex> lock(shutdown_mutex_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  const auto started = std::chrono::steady_clock::now();
  // Calls in progress on other threads stop waiting and leave (an interrupted start hands
  // the scheduler a release first); the drain below then has the rest of the deadline.
  const core::TimePoint deadline = clock_->now() + options_.shutdown_timeout;
  closing_.request_stop();
  {
    std::unique_lock<std::mutex> lock(calls_mutex_);
    while (calls_ > 0) {
      const core::TimePoint now = clock_->now();
      if (now >= deadline) {
        calls_abandoned_ = true;
        break;
      }
      calls_left_.wait_for(lock, deadline - now);
    }
  }
  for (auto& s : registry_.all()) s->stop_for_shutdown();  // releases go beside pending events
  scheduler_.shutdown(std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - clock_->now())));
  // The last callbacks (the sessions' `stopped`) run before ~Client returns, unless one is
  // blocked: then shutdown keeps its deadline (at least a second for the queue to drain).
  callbacks_.shutdown(started + std::max<milliseconds>(options_.shutdown_timeout, std::chrono::seconds(1)));
  if (!scheduler_.on_scheduler_thread()) {
    // A scheduler that ran decided cleanliness itself (finish_loop); one that never ran owes nothing.
    if (Journal* journal = journal_.get(); journal != nullptr && !scheduler_.ever_started()) journal->set_clean(true);
    journal_.close();
  }
}

// ------------------------------------------------------------------------- handles

std::unique_ptr<Session> Access::make_session(std::shared_ptr<SessionImpl> impl, bool open) {
  if (open) impl->open_callbacks();
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

std::unique_ptr<Session> Access::start_session_held(Client& client, SessionOptions options) {
  return make_session(client.impl_->start_session(std::move(options)), /*open=*/false);
}

void Access::open_callbacks(Session& session) { session.impl_->open_callbacks(); }
SessionImpl& Access::impl(Session& session) { return *session.impl_; }

}  // namespace detail
}  // namespace creditmeter

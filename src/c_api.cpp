// The C ABI (include/creditmeter/creditmeter.h): a thin shell over the public C++ API. It
// holds no logic of its own: it converts arguments, catches every exception and maps it to a
// cm_status, and keeps the strings it hands out alive.

#include "creditmeter/creditmeter.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "creditmeter/creditmeter.hpp"

using creditmeter::Client;
using creditmeter::Session;

struct cm_client {
  std::unique_ptr<Client> client;
};

struct cm_session {
  std::string id;
  // Declared last, so destroyed first: ~Session waits for running callbacks, which may read
  // the fields above through this handle.
  std::unique_ptr<Session> session;
};

struct cm_token_sink {
  std::string body;
  bool set = false;
};

namespace {

// ------------------------------------------------------------------------- errors

// Per-thread message of the latest failed call. A fixed buffer: setting it never allocates,
// so reporting an out-of-memory condition cannot fail.
thread_local char t_last_error[1024] = "";

void set_last_error(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(t_last_error, sizeof t_last_error, format, args);
  va_end(args);
}

cm_status fail(cm_status status, const char* message) {
  set_last_error("%s", message);
  return status;
}

// Maps the exception in flight to a status and records its message. Call only inside a
// catch block.
cm_status map_exception(const char* function) noexcept {
  try {
    throw;
  } catch (const creditmeter::AuthenticationError& e) {
    set_last_error("%s", e.what());
    return CM_E_AUTHENTICATION;
  } catch (const creditmeter::InsufficientCredits& e) {
    set_last_error("%s", e.what());
    return CM_E_INSUFFICIENT_CREDITS;
  } catch (const creditmeter::ConcurrencyLimitError& e) {
    set_last_error("%s", e.what());
    return CM_E_CONCURRENCY_LIMIT;
  } catch (const creditmeter::NetworkError& e) {
    set_last_error("%s", e.what());
    return CM_E_NETWORK;
  } catch (const creditmeter::InvalidArgument& e) {
    set_last_error("%s", e.what());
    return CM_E_INVALID_ARGUMENT;
  } catch (const creditmeter::Error& e) {
    set_last_error("%s", e.what());
    return CM_E_SERVER;
  } catch (const std::bad_alloc&) {
    set_last_error("%s: out of memory", function);
    return CM_E_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_last_error("%s: internal error: %s", function, e.what());
    return CM_E_INTERNAL;
  } catch (...) {
    set_last_error("%s: internal error (unknown exception)", function);
    return CM_E_INTERNAL;
  }
}

#define CM_GUARD_BEGIN try {
#define CM_GUARD_END \
  }                  \
  catch (...) {      \
    return map_exception(__func__); \
  }

// ------------------------------------------------------------------------- struct_size

// The first published size of each struct (the end of its last first-version field): any
// struct_size below it is a caller error. Fields appended later are read only when
// CM_HAS_FIELD() says the caller's struct_size covers them; these constants never change.
constexpr size_t kClientOptionsV1 = offsetof(cm_client_options, token_provider_user_data) + sizeof(void*);
constexpr size_t kSessionOptionsV1 = offsetof(cm_session_options, user_data) + sizeof(void*);
constexpr size_t kSessionStatsV1 = offsetof(cm_session_stats, grace_remaining_ms) + sizeof(std::int64_t);
constexpr size_t kClientUsageV1 = offsetof(cm_client_usage, heartbeats_failed) + sizeof(std::uint64_t);
// Version 2 (credits) appended fields after each first version: nothing was inserted.
static_assert(offsetof(cm_client_options, max_credits) >= kClientOptionsV1, "appended only");
static_assert(offsetof(cm_session_options, on_balance) >= kSessionOptionsV1, "appended only");
static_assert(offsetof(cm_session_stats, minutes_left) >= kSessionStatsV1, "appended only");
static_assert(kClientUsageV1 == sizeof(cm_client_usage), "first version: no field after the last");

template <typename T>
cm_status check_struct_size(const T* s, size_t v1, const char* what) {
  if (s->struct_size < v1) {
    set_last_error("%s.struct_size is %zu, below the smallest valid size %zu: initialise the struct with its "
                   "_init function (or set struct_size = sizeof)",
                   what, s->struct_size, v1);
    return CM_E_INVALID_ARGUMENT;
  }
  if (s->struct_size > sizeof(T)) {
    set_last_error("%s.struct_size is %zu, larger than this library's %zu: the program was built against a newer "
                   "creditmeter.h than the installed library %s",
                   what, s->struct_size, sizeof(T), CREDITMETER_VERSION_STRING);
    return CM_E_INVALID_ARGUMENT;
  }
  return CM_OK;
}

// Whether the caller's struct covers `member` (for fields appended after version 1).
#define CM_HAS_FIELD(ptr, member) \
  (offsetof(std::remove_pointer_t<decltype(ptr)>, member) + sizeof((ptr)->member) <= (ptr)->struct_size)

std::string str_or(const char* s, const char* fallback = "") { return s != nullptr ? std::string(s) : fallback; }

// ------------------------------------------------------------------------- conversions

// The integer value of an enum received from C. C allows any int in a C enum variable; in C++
// loading a value outside the enumerators' range is undefined, so read its bytes instead.
template <typename E>
long enum_value(const E& e) {
  std::underlying_type_t<E> v;
  std::memcpy(&v, &e, sizeof v);
  return static_cast<long>(v);
}


cm_session_state to_c(creditmeter::SessionState s) { return static_cast<cm_session_state>(s); }
cm_reason to_c(creditmeter::Reason r) { return static_cast<cm_reason>(r); }

// The first callback may fire (on the scheduler thread) before cm_client_start_session() has
// finished filling the handle in: it waits for the start to finish, and is dropped if the
// start failed.
struct StartGate {
  std::mutex mutex;
  std::condition_variable cv;
  enum { starting, ready, failed } phase = starting;
  std::thread::id starter = std::this_thread::get_id();
  cm_session* handle = nullptr;

  cm_session* wait() {
    std::unique_lock<std::mutex> lock(mutex);
    // Audio-only sessions run callbacks on the calling thread: never wait on ourselves.
    if (std::this_thread::get_id() != starter) cv.wait(lock, [this] { return phase != starting; });
    return phase == failed ? nullptr : handle;
  }
  void finish(bool ok) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      phase = ok ? ready : failed;
    }
    cv.notify_all();
  }
};

void deliver(cm_state_change_fn fn, void* user_data, cm_session* handle, const creditmeter::StateChange& change) {
  cm_state_change c;
  c.struct_size = sizeof c;
  c.from = to_c(change.from);
  c.to = to_c(change.to);
  c.reason = to_c(change.reason);
  c.message = change.message.c_str();
  fn(handle, &c, user_data);
}

void deliver_balance(cm_balance_fn fn, void* user_data, cm_session* handle, const creditmeter::BalanceUpdate& update) {
  cm_balance_update b;
  b.struct_size = sizeof b;
  b.balance = update.balance;
  b.minutes_left = update.minutes_left;
  b.session_credits = update.session_credits;
  fn(handle, &b, user_data);
}

creditmeter::BalanceCallback make_balance_callback(cm_balance_fn fn, void* user_data, cm_session* handle) {
  if (fn == nullptr) return nullptr;
  return [fn, user_data, handle](const creditmeter::BalanceUpdate& u) { deliver_balance(fn, user_data, handle, u); };
}

// A C double that means "unset" when NAN.
std::optional<double> optional_double(double value) {
  if (std::isnan(value)) return std::nullopt;
  return value;
}

creditmeter::StateChangeCallback make_callback(cm_state_change_fn fn, void* user_data, cm_session* handle) {
  if (fn == nullptr) return nullptr;
  return [fn, user_data, handle](const creditmeter::StateChange& change) { deliver(fn, user_data, handle, change); };
}

}  // namespace

// ============================================================================= C ABI

extern "C" {

const char* cm_status_str(cm_status status) {
  switch (enum_value(status)) {
    case CM_OK: return "CM_OK: success";
    case CM_E_AUTHENTICATION: return "CM_E_AUTHENTICATION: the API secret or token was refused";
    case CM_E_INSUFFICIENT_CREDITS: return "CM_E_INSUFFICIENT_CREDITS: the balance is exhausted, top up credits";
    case CM_E_CONCURRENCY_LIMIT: return "CM_E_CONCURRENCY_LIMIT: the plan's concurrent-session limit is reached";
    case CM_E_NETWORK: return "CM_E_NETWORK: the server could not be reached or answered unusably";
    case CM_E_INVALID_ARGUMENT: return "CM_E_INVALID_ARGUMENT: an argument or option is invalid";
    case CM_E_OUT_OF_MEMORY: return "CM_E_OUT_OF_MEMORY: an allocation failed";
    case CM_E_SERVER: return "CM_E_SERVER: the server refused the request";
    case CM_E_INTERNAL: return "CM_E_INTERNAL: internal error in creditmeter";
    case CM_INCOMPLETE: return "CM_INCOMPLETE: not everything was acknowledged yet (delivery goes on)";
  }
  return "unknown status";
}

const char* cm_last_error(void) { return t_last_error; }

const char* cm_version(void) { return CREDITMETER_VERSION_STRING; }

const char* cm_session_state_str(cm_session_state state) {
  switch (enum_value(state)) {
    case CM_STATE_ACTIVE: return "active";
    case CM_STATE_PAUSED_BY_USER: return "paused_by_user";
    case CM_STATE_PAUSED_BILLING: return "paused_billing";
    case CM_STATE_PAUSED_OFFLINE: return "paused_offline";
    case CM_STATE_STOPPED: return "stopped";
  }
  return "unknown";
}

const char* cm_reason_str(cm_reason reason) {
  switch (enum_value(reason)) {
    case CM_REASON_NONE: return "none";
    case CM_REASON_USER: return "user";
    case CM_REASON_INSUFFICIENT_CREDITS: return "insufficient_credits";
    case CM_REASON_AUTHENTICATION_FAILED: return "authentication_failed";
    case CM_REASON_OFFLINE: return "offline";
    case CM_REASON_GRACE_EXPIRED: return "grace_expired";
    case CM_REASON_SPEND_CAP: return "spend_cap";
    case CM_REASON_JOURNAL_FULL: return "journal_full";
    case CM_REASON_STOPPED: return "stopped";
  }
  return "unknown";
}

const char* cm_log_level_str(cm_log_level level) {
  switch (enum_value(level)) {
    case CM_LOG_DEBUG: return "debug";
    case CM_LOG_INFO: return "info";
    case CM_LOG_WARNING: return "warning";
    case CM_LOG_ERROR: return "error";
  }
  return "unknown";
}

cm_status cm_token_sink_set(cm_token_sink* sink, const char* body) {
  if (sink == nullptr || body == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_token_sink_set: NULL sink or body");
  CM_GUARD_BEGIN
  sink->body = body;
  sink->set = true;
  return CM_OK;
  CM_GUARD_END
}

// ------------------------------------------------------------------------- client

void cm_client_options_init(cm_client_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof *options);
  options->struct_size = sizeof *options;
  options->shutdown_timeout_ms = 2000;
  options->connect_timeout_ms = 5000;
  options->request_timeout_ms = 15000;
  options->idle_after_ms = 1000;
  options->log_level = CM_LOG_WARNING;
  options->max_credits = NAN;
}

cm_status cm_client_new(const cm_client_options* options, cm_client** out) {
  if (out == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_client_new: out is NULL");
  *out = nullptr;
  if (options == nullptr) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_client_new: options is NULL (use cm_client_options_init)");
  }
  if (cm_status s = check_struct_size(options, kClientOptionsV1, "cm_client_options"); s != CM_OK) return s;
  const long log_level = enum_value(options->log_level);
  if (log_level < CM_LOG_DEBUG || log_level > CM_LOG_ERROR) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_client_options.log_level is not a cm_log_level value");
  }
  CM_GUARD_BEGIN
  namespace cm = creditmeter;
  using std::chrono::milliseconds;
  cm::ClientOptions o;
  o.base_url = str_or(options->base_url);
  o.api_secret = str_or(options->api_secret);
  o.ca_file = str_or(options->ca_file);
  o.pinned_public_key = str_or(options->pinned_public_key);
  o.proxy = str_or(options->proxy);
  o.allow_insecure_http = options->allow_insecure_http;
  if (options->journal_dir != nullptr) o.journal_dir = std::string(options->journal_dir);
  o.shutdown_timeout = milliseconds(options->shutdown_timeout_ms);
  o.connect_timeout = milliseconds(options->connect_timeout_ms);
  o.request_timeout = milliseconds(options->request_timeout_ms);
  o.idle_after = milliseconds(options->idle_after_ms);
  o.log_level = static_cast<cm::LogLevel>(log_level);
  if (cm_log_fn log = options->log) {
    void* user_data = options->log_user_data;
    o.log = [log, user_data](cm::LogLevel level, const std::string& message) {
      log(static_cast<cm_log_level>(level), message.c_str(), user_data);
    };
  }
  if (cm_token_provider_fn provider = options->token_provider) {
    void* user_data = options->token_provider_user_data;
    o.token_provider = [provider, user_data](const std::string& session_id) {
      cm_token_sink sink;
      const cm_status status = provider(session_id.c_str(), &sink, user_data);
      if (enum_value(status) != CM_OK) {
        throw std::runtime_error("the token provider refused (returned status " + std::to_string(enum_value(status)) + ")");
      }
      if (!sink.set) throw std::runtime_error("the token provider returned CM_OK without calling cm_token_sink_set");
      return std::move(sink.body);
    };
  }
  if (CM_HAS_FIELD(options, max_credits)) o.max_credits = optional_double(options->max_credits);
  auto handle = std::make_unique<cm_client>();
  handle->client = std::make_unique<Client>(std::move(o));
  *out = handle.release();
  return CM_OK;
  CM_GUARD_END
}

void cm_client_free(cm_client* client) {
  if (client == nullptr) return;
  try {
    delete client;
  } catch (...) {
    // Destructors do not throw; nothing may cross the boundary all the same.
  }
}

cm_status cm_client_flush(cm_client* client, uint32_t timeout_ms) {
  if (client == nullptr || !client->client) return fail(CM_E_INVALID_ARGUMENT, "cm_client_flush: client is NULL");
  CM_GUARD_BEGIN
  return client->client->flush(std::chrono::milliseconds(timeout_ms)) ? CM_OK : CM_INCOMPLETE;
  CM_GUARD_END
}

cm_status cm_client_credit_summary(cm_client* client, cm_credit_summary** out) {
  if (out == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_client_credit_summary: out is NULL");
  *out = nullptr;
  if (client == nullptr || !client->client) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_client_credit_summary: client is NULL");
  }
  CM_GUARD_BEGIN
  const creditmeter::CreditSummary summary = client->client->credit_summary();

  // One malloc'd block: the struct, the array, then every string. Freed by one free().
  const size_t count = summary.estimated_minutes.size();
  size_t strings = summary.plan.size() + 1 + summary.renews_at.size() + 1;
  for (const auto& entry : summary.estimated_minutes) strings += entry.first.size() + 1;
  const size_t array_offset = sizeof(cm_credit_summary);
  static_assert(sizeof(cm_credit_summary) % alignof(cm_estimated_minutes) == 0, "array alignment");
  const size_t strings_offset = array_offset + count * sizeof(cm_estimated_minutes);
  char* block = static_cast<char*>(std::malloc(strings_offset + strings));
  if (block == nullptr) throw std::bad_alloc();

  auto* c = new (block) cm_credit_summary;
  cm_estimated_minutes* array = nullptr;
  if (count > 0) {
    array = reinterpret_cast<cm_estimated_minutes*>(block + array_offset);
    for (size_t k = 0; k < count; ++k) new (array + k) cm_estimated_minutes{nullptr, 0};
  }
  char* next = block + strings_offset;
  auto copy = [&next](const std::string& s) {
    std::memcpy(next, s.c_str(), s.size() + 1);
    const char* result = next;
    next += s.size() + 1;
    return result;
  };
  c->struct_size = sizeof *c;
  c->balance = summary.balance;
  c->plan = copy(summary.plan);
  c->renews_at = copy(summary.renews_at);
  c->plan_credits = summary.plan_credits;
  c->topup_credits = summary.topup_credits;
  c->estimated_minutes_count = count;
  c->estimated_minutes = array;
  size_t i = 0;
  for (const auto& entry : summary.estimated_minutes) {  // std::map: sorted by key
    array[i].key = copy(entry.first);
    array[i].minutes = entry.second;
    ++i;
  }
  *out = c;
  return CM_OK;
  CM_GUARD_END
}

void cm_credit_summary_free(cm_credit_summary* summary) { std::free(summary); }

cm_status cm_client_set_max_credits(cm_client* client, double max_credits) {
  if (client == nullptr || !client->client) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_client_set_max_credits: client is NULL");
  }
  CM_GUARD_BEGIN
  client->client->set_max_credits(optional_double(max_credits));
  return CM_OK;
  CM_GUARD_END
}

cm_status cm_client_estimate(cm_client* client, const char* model, const char* surface, int64_t* minutes_out) {
  if (minutes_out == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_client_estimate: minutes_out is NULL");
  *minutes_out = 0;
  if (client == nullptr || !client->client) return fail(CM_E_INVALID_ARGUMENT, "cm_client_estimate: client is NULL");
  CM_GUARD_BEGIN
  const std::int64_t minutes = client->client->estimate(str_or(model, "essence"), str_or(surface, "cloud"));
  *minutes_out = minutes < 0 ? 0 : minutes;
  return CM_OK;
  CM_GUARD_END
}

void cm_client_usage_init(cm_client_usage* usage) {
  if (usage == nullptr) return;
  std::memset(usage, 0, sizeof *usage);
  usage->struct_size = sizeof *usage;
}

cm_status cm_client_get_usage(const cm_client* client, cm_client_usage* usage) {
  if (client == nullptr || !client->client) return fail(CM_E_INVALID_ARGUMENT, "cm_client_get_usage: client is NULL");
  if (usage == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_client_get_usage: usage is NULL");
  if (cm_status s = check_struct_size(usage, kClientUsageV1, "cm_client_usage"); s != CM_OK) return s;
  CM_GUARD_BEGIN
  const creditmeter::ClientUsage u = client->client->usage();
  cm_client_usage full;
  full.struct_size = usage->struct_size;
  full.sessions = u.sessions;
  full.active_ms = u.active_ms;
  full.reported_ms = u.reported_ms;
  full.credits_charged = u.credits_charged;
  full.heartbeats_ok = u.heartbeats_ok;
  full.heartbeats_failed = u.heartbeats_failed;
  std::memcpy(usage, &full, std::min(usage->struct_size, sizeof full));
  return CM_OK;
  CM_GUARD_END
}

// ------------------------------------------------------------------------- sessions

void cm_session_options_init(cm_session_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof *options);
  options->struct_size = sizeof *options;
  options->model = "essence";
  options->surface = "cloud";
  options->low_balance_minutes = 5;
  options->low_balance_credits = NAN;
  options->max_credits = NAN;
}

cm_status cm_client_start_session(cm_client* client, const cm_session_options* options, cm_session** out) {
  if (out == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_client_start_session: out is NULL");
  *out = nullptr;
  if (client == nullptr || !client->client) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_client_start_session: client is NULL");
  }
  cm_session_options defaults;
  if (options == nullptr) {
    cm_session_options_init(&defaults);
    options = &defaults;
  }
  if (cm_status s = check_struct_size(options, kSessionOptionsV1, "cm_session_options"); s != CM_OK) return s;
  CM_GUARD_BEGIN
  creditmeter::SessionOptions o;
  o.model = str_or(options->model, "essence");
  o.surface = str_or(options->surface, "cloud");
  o.audio_only = options->audio_only;
  o.session_id = str_or(options->session_id);

  cm_balance_fn on_balance = nullptr, on_low_balance = nullptr;
  void* balance_user_data = nullptr;
  if (CM_HAS_FIELD(options, on_balance)) on_balance = options->on_balance;
  if (CM_HAS_FIELD(options, on_low_balance)) on_low_balance = options->on_low_balance;
  if (CM_HAS_FIELD(options, balance_user_data)) balance_user_data = options->balance_user_data;
  if (CM_HAS_FIELD(options, low_balance_minutes)) o.low_balance_minutes = options->low_balance_minutes;
  if (CM_HAS_FIELD(options, low_balance_credits)) o.low_balance_credits = optional_double(options->low_balance_credits);
  if (CM_HAS_FIELD(options, max_credits)) o.max_credits = optional_double(options->max_credits);

  auto handle = std::make_unique<cm_session>();
  std::shared_ptr<StartGate> gate;
  if (options->on_state_change != nullptr || on_balance != nullptr || on_low_balance != nullptr) {
    gate = std::make_shared<StartGate>();
    gate->handle = handle.get();
  }
  if (cm_state_change_fn fn = options->on_state_change) {
    void* user_data = options->user_data;
    o.on_state_change = [gate, fn, user_data](const creditmeter::StateChange& change) {
      if (cm_session* h = gate->wait()) deliver(fn, user_data, h, change);
    };
  }
  for (auto [fn, target] : {std::make_pair(on_balance, &o.on_balance), std::make_pair(on_low_balance, &o.on_low_balance)}) {
    if (fn == nullptr) continue;
    *target = [gate, fn = fn, balance_user_data](const creditmeter::BalanceUpdate& update) {
      if (cm_session* h = gate->wait()) deliver_balance(fn, balance_user_data, h, update);
    };
  }
  try {
    handle->session = client->client->start_session(std::move(o));
    handle->id = handle->session->id();
  } catch (...) {
    if (gate) gate->finish(false);
    throw;
  }
  if (gate) gate->finish(true);
  *out = handle.release();
  return CM_OK;
  CM_GUARD_END
}

void cm_session_frame(cm_session* session) {
  if (session != nullptr && session->session) session->session->frame();
}

bool cm_session_may_render(const cm_session* session) {
  return session != nullptr && session->session && session->session->may_render();
}

cm_status cm_session_pause(cm_session* session) {
  if (session == nullptr || !session->session) return fail(CM_E_INVALID_ARGUMENT, "cm_session_pause: session is NULL");
  CM_GUARD_BEGIN
  session->session->pause();
  return CM_OK;
  CM_GUARD_END
}

cm_status cm_session_resume(cm_session* session) {
  if (session == nullptr || !session->session) return fail(CM_E_INVALID_ARGUMENT, "cm_session_resume: session is NULL");
  CM_GUARD_BEGIN
  session->session->resume();
  return CM_OK;
  CM_GUARD_END
}

cm_status cm_session_stop(cm_session* session) {
  if (session == nullptr || !session->session) return fail(CM_E_INVALID_ARGUMENT, "cm_session_stop: session is NULL");
  CM_GUARD_BEGIN
  session->session->stop();
  return CM_OK;
  CM_GUARD_END
}

cm_session_state cm_session_get_state(const cm_session* session) {
  if (session == nullptr || !session->session) return CM_STATE_STOPPED;
  try {
    return to_c(session->session->state());
  } catch (...) {
    map_exception(__func__);
    return CM_STATE_STOPPED;
  }
}

cm_reason cm_session_get_reason(const cm_session* session) {
  if (session == nullptr || !session->session) return CM_REASON_NONE;
  try {
    return to_c(session->session->reason());
  } catch (...) {
    map_exception(__func__);
    return CM_REASON_NONE;
  }
}

const char* cm_session_id(const cm_session* session) {
  return session != nullptr ? session->id.c_str() : "";
}

void cm_session_stats_init(cm_session_stats* stats) {
  if (stats == nullptr) return;
  std::memset(stats, 0, sizeof *stats);
  stats->struct_size = sizeof *stats;
}

cm_status cm_session_get_stats(const cm_session* session, cm_session_stats* stats) {
  if (session == nullptr || !session->session) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_session_get_stats: session is NULL");
  }
  if (stats == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_session_get_stats: stats is NULL");
  if (cm_status s = check_struct_size(stats, kSessionStatsV1, "cm_session_stats"); s != CM_OK) return s;
  CM_GUARD_BEGIN
  const creditmeter::SessionStats st = session->session->stats();
  cm_session_stats full;
  full.struct_size = stats->struct_size;
  full.active_ms = st.active_ms;
  full.reported_ms = st.reported_ms;
  full.credits_charged = st.credits_charged;
  full.balance = st.balance;
  full.heartbeats_ok = st.heartbeats_ok;
  full.heartbeats_failed = st.heartbeats_failed;
  full.grace_remaining_ms = st.grace_remaining_ms;
  full.minutes_left = st.minutes_left;
  full.heartbeats_retried = st.heartbeats_retried;
  full.last_error_reason = to_c(st.last_error_reason);
  std::snprintf(full.last_error, sizeof full.last_error, "%s", st.last_error.c_str());
  // Only the bytes the caller's struct covers.
  std::memcpy(stats, &full, std::min(stats->struct_size, sizeof full));
  return CM_OK;
  CM_GUARD_END
}

cm_status cm_session_set_state_callback(cm_session* session, cm_state_change_fn callback, void* user_data) {
  if (session == nullptr || !session->session) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_session_set_state_callback: session is NULL");
  }
  CM_GUARD_BEGIN
  session->session->on_state_change(make_callback(callback, user_data, session));
  return CM_OK;
  CM_GUARD_END
}

cm_status cm_session_set_balance_callbacks(cm_session* session, cm_balance_fn on_balance, cm_balance_fn on_low_balance,
                                           void* user_data) {
  if (session == nullptr || !session->session) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_session_set_balance_callbacks: session is NULL");
  }
  CM_GUARD_BEGIN
  session->session->on_balance(make_balance_callback(on_balance, user_data, session));
  session->session->on_low_balance(make_balance_callback(on_low_balance, user_data, session));
  return CM_OK;
  CM_GUARD_END
}

cm_status cm_session_set_max_credits(cm_session* session, double max_credits) {
  if (session == nullptr || !session->session) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_session_set_max_credits: session is NULL");
  }
  CM_GUARD_BEGIN
  session->session->set_max_credits(optional_double(max_credits));
  return CM_OK;
  CM_GUARD_END
}

void cm_session_free(cm_session* session) {
  if (session == nullptr) return;
  try {
    delete session;
  } catch (...) {
  }
}

}  // extern "C"

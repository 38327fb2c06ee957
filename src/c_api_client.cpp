// The C ABI's client: options, creation, flush, credits (summary, estimate, cap, usage), and
// the token sink of secretless mode. Each call converts its arguments to the C++ API's and
// delegates; the C++ API validates them.

#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "c_api_enums.hpp"
#include "c_api_support.hpp"
#include "c_api_transport.hpp"
#include "journal.hpp"

using namespace creditmeter::c_api;
using creditmeter::Client;
using std::chrono::milliseconds;

extern "C" {

cm_status cm_token_sink_set(cm_token_sink* sink, const char* body) {
  if (sink == nullptr || body == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_token_sink_set: NULL sink or body");
  CM_GUARD_BEGIN
  sink->body = body;
  sink->set = true;
  return CM_OK;
  CM_GUARD_END
}

void cm_client_options_init(cm_client_options* options) {
  if (options == nullptr) return;
  // The defaults are the C++ API's, in C's units and representations.
  const creditmeter::ClientOptions defaults;
  std::memset(options, 0, sizeof *options);
  options->struct_size = sizeof *options;
  // Strings stay NULL: cm_client_new() reads NULL as "keep the C++ default" (base_url,
  // api_secret, ... default to "", which means the environment or none; journal_dir to unset,
  // the default state directory). The log sink and token provider default to none.
  options->allow_insecure_http = defaults.allow_insecure_http;
  options->shutdown_timeout_ms = ms_to_c(defaults.shutdown_timeout);
  options->connect_timeout_ms = ms_to_c(defaults.connect_timeout);
  options->request_timeout_ms = ms_to_c(defaults.request_timeout);
  options->idle_after_ms = ms_to_c(defaults.idle_after);
  options->log_level = to_c(defaults.log_level);
  options->max_credits = optional_to_c(defaults.max_credits);  // unset: NAN
  options->min_heartbeat_interval_ms = ms_to_c(defaults.min_heartbeat_interval);
}

size_t cm_default_journal_dir(char* buf, size_t size) {
  // The client's own rule (ClientImpl::open_journal: no journal_dir = default_journal_root()).
  try {
    const std::string dir = creditmeter::detail::default_journal_root();
    if (buf != nullptr && size > 0) {
      const size_t n = dir.size() < size ? dir.size() : size - 1;
      std::memcpy(buf, dir.data(), n);
      buf[n] = '\0';
    }
    return dir.size();
  } catch (...) {  // std::bad_alloc: "none" rather than an exception into C
    if (buf != nullptr && size > 0) buf[0] = '\0';
    return 0;
  }
}

cm_status cm_client_new(const cm_client_options* options, cm_client** out) {
  if (out == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_client_new: out is NULL");
  *out = nullptr;
  if (options == nullptr) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_client_new: options is NULL (use cm_client_options_init)");
  }
  if (cm_status s = check_struct_size(options, kClientOptionsV1, "cm_client_options"); s != CM_OK) return s;
  // A C enum field may hold any int; a C++ LogLevel only what C++ code gave it. The range is
  // creditmeter.h's (its values equal the C++ ones: c_api_enums.hpp).
  const long log_level = enum_value(options->log_level);
  if (log_level < CM_LOG_DEBUG || log_level > CM_LOG_ERROR) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_client_options.log_level is not a cm_log_level value");
  }
  CM_GUARD_BEGIN
  namespace cm = creditmeter;
  cm::ClientOptions o;
  if (options->base_url != nullptr) o.base_url = options->base_url;
  if (options->api_secret != nullptr) o.api_secret = options->api_secret;
  if (options->ca_file != nullptr) o.ca_file = options->ca_file;
  if (options->pinned_public_key != nullptr) o.pinned_public_key = options->pinned_public_key;
  if (options->proxy != nullptr) o.proxy = options->proxy;
  if (options->journal_dir != nullptr) o.journal_dir = std::string(options->journal_dir);
  o.allow_insecure_http = options->allow_insecure_http;
  o.shutdown_timeout = milliseconds(options->shutdown_timeout_ms);
  o.connect_timeout = milliseconds(options->connect_timeout_ms);
  o.request_timeout = milliseconds(options->request_timeout_ms);
  o.idle_after = milliseconds(options->idle_after_ms);
  from_c(options->log_level, o.log_level);
  if (cm_log_fn log = options->log) {
    void* user_data = options->log_user_data;
    o.log = [log, user_data](cm::LogLevel level, const std::string& message) {
      log(to_c(level), message.c_str(), user_data);
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
  if (CM_HAS_FIELD(options, max_credits)) o.max_credits = optional_from_c(options->max_credits);
  if (CM_HAS_FIELD(options, transport_user_data) && options->transport_send != nullptr) {
    o.transport = c_transport(options->transport_send, options->transport_cancel, options->transport_user_data);
  }
  if (CM_HAS_FIELD(options, min_heartbeat_interval_ms)) {
    o.min_heartbeat_interval = milliseconds(options->min_heartbeat_interval_ms);
  }
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
  return client->client->flush(milliseconds(timeout_ms)) ? CM_OK : CM_INCOMPLETE;
  CM_GUARD_END
}

void cm_client_network_changed(cm_client* client, bool reachable) {
  if (client == nullptr || !client->client) return;
  try {
    client->client->network_changed(reachable);
  } catch (...) {
    // A hint: nothing to report, and nothing may cross the boundary.
  }
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
  std::snprintf(c->unit, sizeof c->unit, "%s", summary.unit.c_str());
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
  client->client->set_max_credits(optional_from_c(max_credits));
  return CM_OK;
  CM_GUARD_END
}

cm_status cm_client_estimate(cm_client* client, const char* model, const char* surface, int64_t* minutes_out) {
  if (minutes_out == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_client_estimate: minutes_out is NULL");
  *minutes_out = 0;
  if (client == nullptr || !client->client) return fail(CM_E_INVALID_ARGUMENT, "cm_client_estimate: client is NULL");
  CM_GUARD_BEGIN
  // NULL: the model and surface a session gets by default.
  const creditmeter::SessionOptions& defaults = session_defaults();
  const std::int64_t minutes = client->client->estimate(model != nullptr ? std::string(model) : defaults.model,
                                                        surface != nullptr ? std::string(surface) : defaults.surface);
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
  // Field by field, like cm_session_get_stats(): the C layout is fixed by the ABI, the C++ one
  // is free to change.
  cm_client_usage full;
  full.struct_size = usage->struct_size;
  full.sessions = u.sessions;
  full.active_ms = u.active_ms;
  full.reported_ms = u.reported_ms;
  full.credits_charged = u.credits_charged;
  full.heartbeats_ok = u.heartbeats_ok;
  full.heartbeats_failed = u.heartbeats_failed;
  full.events_recorded = u.events_recorded;
  full.events_acknowledged = u.events_acknowledged;
  full.events_rejected = u.events_rejected;
  full.events_credits_charged = u.events_credits_charged;
  write_covered(usage, full);
  return CM_OK;
  CM_GUARD_END
}

}  // extern "C"
